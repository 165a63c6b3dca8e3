/**
 * The run history, per stage and batch: when, rows, duration, outcome. Built from what each system
 * keeps anyway: the ingestion and processed manifests (batches and their rows), the load ledger (when
 * each batch was loaded) and the status store (how long each stage took, and the runs that failed).
 * A system that cannot be read is a problem in the report and its rows say `unknown`, never zero.
 */
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey } from '../core/batch-id.ts'
import { INGESTION_MANIFEST, type IngestionManifest } from '../core/manifests/ingestion.ts'
import { PROCESSED_MANIFEST, type ProcessedManifest } from '../core/manifests/processed.ts'
import type { Database } from '../io/database.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import { toEpochMs } from './freshness.ts'
import { type LoadRecord, runReadLoads } from './ledger-queries.ts'
import { problemCollector, type StatusProblem } from './status-problem.ts'
import { runListStatusKeys, runReadStatusEvents, type StatusEvent } from './status-store.ts'

export const HISTORY_STAGES = ['extract', 'transform', 'load'] as const
export type HistoryStage = (typeof HISTORY_STAGES)[number]
export const HISTORY_OUTCOMES = ['committed', 'loaded', 'pending', 'failed', 'unknown'] as const

export interface HistoryRow {
  /** When the stage finished (epoch ms); null when no system recorded it. */
  readonly atMs: number | null
  /** A stage, or for a failed run the command that failed (`fx fetch`). */
  readonly stage: string
  readonly batchId: string | null
  readonly rows: number | null
  readonly ms: number | null
  readonly outcome: (typeof HISTORY_OUTCOMES)[number]
  /** The error of a failure; tables not read, rows quarantined. */
  readonly detail?: string
}

export interface HistoryReport {
  /** Newest first. */
  readonly rows: readonly HistoryRow[]
  readonly problems: readonly StatusProblem[]
}

/** Objects that never change once written, kept by a long-running reader (the status page). */
export interface HistoryCache {
  readonly manifests: Map<string, IngestionManifest | ProcessedManifest>
  readonly events: Map<string, StatusEvent | null>
}
export const newHistoryCache = (): HistoryCache => ({ manifests: new Map(), events: new Map() })

export interface HistoryDeps {
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  warehouse(): Promise<Database>
  readonly warehouseDescription: string
  readonly now?: () => number
  readonly cache?: HistoryCache
}

export interface HistoryQuery {
  readonly sinceMs: number
  readonly stage?: HistoryStage
  /** The most rows returned (the newest). */
  readonly limit: number
}

interface Picked {
  readonly batchId: string
  readonly takenAtMs: number
  readonly ingestion: IngestionManifest | undefined
  readonly processed: ProcessedManifest | undefined
}

const sum = (tables: readonly { rows: number }[]) => tables.reduce((n, t) => n + t.rows, 0)

type Attempt = ReturnType<typeof problemCollector>['attempt']
type SortedRow = HistoryRow & { sortMs: number; order: number }

/** The history since `query.sinceMs`, newest first; a system that cannot be read is a problem, not zero. */
export async function runReadHistory(deps: HistoryDeps, query: HistoryQuery): Promise<HistoryReport> {
  const nowMs = (deps.now ?? Date.now)()
  const cache = deps.cache ?? newHistoryCache()
  const { problems, attempt } = problemCollector()
  const list = (store: ObjectStore) => async () =>
    new Set(batchIdsFromKeys(await store.list(MANIFEST_PREFIX)))
  const [ingested, processed] = await Promise.all([
    attempt('ingestion store', deps.ingestion.description, list(deps.ingestion)),
    attempt('processed store', deps.processed.description, list(deps.processed)),
  ])
  const picked = await runPickBatches(deps, query, { ingested, processed }, attempt, cache)
  const loads = await attempt('warehouse', deps.warehouseDescription, async () =>
    runReadLoads(
      await deps.warehouse(),
      picked.map((p) => p.batchId),
    ),
  )
  const loadOf = new Map((loads ?? []).map((l) => [l.batchId, l]))
  const timings = await readTimings(deps.processed, picked, loads ?? [], nowMs, cache)
  const failures = await attempt('processed store', deps.processed.description, () =>
    readFailures(deps.processed, query.sinceMs, nowMs, cache),
  )
  const rows: SortedRow[] = picked.flatMap((p) =>
    toBatchHistoryRows(p, (stage) => timings.get(`${stage}|${p.batchId}`), loadOf.get(p.batchId), {
      processed: processed !== null,
      loads: loads !== null,
    }),
  )
  for (const f of failures ?? []) rows.push({ ...f, sortMs: f.atMs ?? 0, order: 3 })
  const wanted = rows
    .filter((r) => query.stage === undefined || r.stage === query.stage)
    .filter((r) => r.sortMs >= query.sinceMs)
    .sort((a, b) => b.sortMs - a.sortMs || b.order - a.order)
    .slice(0, query.limit)
    .map(({ sortMs: _s, order: _o, ...row }) => row)
  return { rows: wanted, problems: [...problems] }
}

/** Newest batches first, until one was taken before `since` or there are enough to fill the rows. */
async function runPickBatches(
  deps: HistoryDeps,
  query: HistoryQuery,
  listed: { ingested: Set<string> | null | undefined; processed: Set<string> | null | undefined },
  attempt: Attempt,
  cache: HistoryCache,
): Promise<Picked[]> {
  const { ingested, processed } = listed
  const read = async <M extends IngestionManifest | ProcessedManifest>(
    store: ObjectStore,
    id: string,
    parse: (t: string) => M,
  ): Promise<M | undefined> => {
    const key = `${store.description}|${id}`
    const hit = cache.manifests.get(key) as M | undefined
    if (hit) return hit
    const text = await getText(store, manifestKey(id))
    const manifest = text === undefined ? undefined : parse(text)
    if (manifest) cache.manifests.set(key, manifest)
    return manifest
  }
  const pick = async (batchId: string): Promise<Picked | undefined> => {
    const ing = ingested?.has(batchId)
      ? await attempt('ingestion store', deps.ingestion.description, () =>
          read(deps.ingestion, batchId, (text: string) =>
            INGESTION_MANIFEST.parse(text, 'ingestion manifest'),
          ),
        )
      : undefined
    const proc = processed?.has(batchId)
      ? await attempt('processed store', deps.processed.description, () =>
          read(deps.processed, batchId, (text: string) =>
            PROCESSED_MANIFEST.parse(text, 'processed manifest'),
          ),
        )
      : undefined
    const takenAt = ing?.createdAt ?? proc?.sourceCreatedAt
    return takenAt === undefined
      ? undefined
      : { batchId, takenAtMs: toEpochMs(takenAt), ingestion: ing ?? undefined, processed: proc ?? undefined }
  }
  const ids = [...new Set([...(ingested ?? []), ...(processed ?? [])])].sort().reverse()
  const picked: Picked[] = []
  for (let i = 0; i < ids.length && picked.length < query.limit; i += 16) {
    const chunk = await Promise.all(ids.slice(i, i + 16).map(pick))
    const recent = chunk.filter((p): p is Picked => p !== undefined)
    picked.push(...recent.filter((p) => p.takenAtMs >= query.sinceMs))
    if (recent.some((p) => p.takenAtMs < query.sinceMs)) break
  }
  return picked
}

/** A batch's extract, transform and load rows (pure); `known` says which systems could be read. */
function toBatchHistoryRows(
  p: Picked,
  timing: (stage: HistoryStage) => StatusEvent | undefined,
  load: LoadRecord | undefined,
  known: { readonly processed: boolean; readonly loads: boolean },
): SortedRow[] {
  const ex = timing('extract')
  const failedTables = p.ingestion?.failedTables ?? []
  const tr = timing('transform')
  const held = p.processed?.quarantined.length ?? 0
  const loadAt = load?.loadedAtMs ?? timing('load')?.at ?? null
  return [
    {
      sortMs: p.takenAtMs,
      order: 0,
      atMs: ex?.at ?? p.takenAtMs,
      stage: 'extract',
      batchId: p.batchId,
      rows: p.ingestion ? sum(p.ingestion.tables) : null,
      ms: ex?.ms ?? null,
      outcome: 'committed',
      ...(failedTables.length > 0
        ? { detail: `not read: ${failedTables.map((f) => `${f.table} (${f.reason})`).join(', ')}` }
        : {}),
    },
    {
      sortMs: tr?.at ?? p.takenAtMs,
      order: 1,
      atMs: tr?.at ?? null,
      stage: 'transform',
      batchId: p.batchId,
      rows: p.processed ? sum(p.processed.tables) : null,
      ms: tr?.ms ?? null,
      outcome: p.processed ? 'committed' : known.processed ? 'pending' : 'unknown',
      ...(held > 0 ? { detail: `${held} quarantine entr${held === 1 ? 'y' : 'ies'}` } : {}),
    },
    {
      sortMs: loadAt ?? p.takenAtMs,
      order: 2,
      atMs: loadAt,
      stage: 'load',
      batchId: p.batchId,
      rows: load?.rows ?? null,
      ms: timing('load')?.ms ?? null,
      outcome: load ? 'loaded' : known.loads ? 'pending' : 'unknown',
    },
  ]
}

/** Stage timings of the picked batches, from the hour folders their stages can have run in. */
async function readTimings(
  store: ObjectStore,
  picked: readonly Picked[],
  loads: readonly LoadRecord[],
  nowMs: number,
  cache: HistoryCache,
): Promise<Map<string, StatusEvent>> {
  const out = new Map<string, StatusEvent>()
  if (picked.length === 0) return out
  const wanted = new Set(picked.map((p) => p.batchId))
  const hours = new Set<number>()
  for (const t of [...picked.map((p) => p.takenAtMs), ...loads.map((l) => l.loadedAtMs)]) {
    const h = t - (t % 3_600_000)
    hours.add(h)
    if (h + 3_600_000 <= nowMs) hours.add(h + 3_600_000)
  }
  try {
    const keys = []
    for (const h of [...hours].sort()) {
      keys.push(...(await runListStatusKeys(store, 'batches', h, Math.min(nowMs, h + 3_599_999))))
    }
    const mine = keys.filter((k) => k.batchId !== undefined && wanted.has(k.batchId))
    for (const e of await runReadStatusEvents(
      store,
      mine.map((k) => k.key),
      cache.events,
    )) {
      if (e.stage && e.batchId) out.set(`${e.stage}|${e.batchId}`, e)
    }
  } catch {
    // Timings are a nicety: without them the durations show as unknown, the rest stands.
  }
  return out
}

/** Runs that failed and alerts or errors that carry an error, from the status store. */
async function readFailures(
  store: ObjectStore,
  sinceMs: number,
  nowMs: number,
  cache: HistoryCache,
): Promise<HistoryRow[]> {
  const keys = await runListStatusKeys(store, 'events', sinceMs, nowMs)
  const candidates = keys.filter((k) => k.kind === 'run' || k.kind === 'alert' || k.kind === 'error')
  const events = await runReadStatusEvents(
    store,
    candidates.map((k) => k.key),
    cache.events,
  )
  return events
    .filter((e) => (e.kind === 'run' ? e.outcome === 'failed' : e.error !== undefined))
    .map((e) => {
      const ids = e.fields?.ids as { stage?: unknown } | undefined
      const stage = typeof ids?.stage === 'string' ? ids.stage : (e.stage ?? e.command)
      return {
        atMs: e.at,
        stage,
        batchId: e.batchId ?? null,
        rows: null,
        ms: e.ms ?? null,
        outcome: 'failed' as const,
        detail: e.error ?? e.message,
      }
    })
}
