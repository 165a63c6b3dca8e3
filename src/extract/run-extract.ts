/**
 * The extract stage: every row version changed since the last committed batch, all 11 tables read in
 * one REPEATABLE READ snapshot, streamed to the ingestion store; the manifest, created only if absent,
 * commits the batch. See docs/ARCHITECTURE.md for why this never loses or repeats a change.
 */
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { manifestKey } from '../core/batch-id.ts'
import { commitBatch } from '../core/manifests/commit-batch.ts'
import { INGESTION_FORMAT, INGESTION_MANIFEST, type IngestionManifest } from '../core/manifests/ingestion.ts'
import type { SourceTable } from '../core/source-catalogue.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { assertManifestCommittable } from './check-committable.ts'
import type { ExtractDeps, ExtractInput } from './extract-input.ts'
import { rememberCommitted, runListIngestionBatches, runPlanNextBatch } from './ingestion-batches.ts'
import { type ChangeSignal, type IdleMark, planIdleSkip } from './plan-idle-skip.ts'
import { runReadSnapshot, type SnapshotRead } from './read-snapshot.ts'
import { CHANGE_SIGNAL_SQL } from './source-sql.ts'

/**
 * Rows per batch unless EXTRACT_BATCH_ROWS says otherwise. At scale 100 (3M rows, docs/BENCHMARKS.md):
 * 100k → 31 batches, transform 340 MB, first load ~62 s; 250k → 13 batches, 380 MB, ~45 s; one batch
 * → ~490 MB, ~31 s, and a transaction, a file and a DuckDB working set as large as the backlog.
 */
export const DEFAULT_BATCH_ROWS = 250_000

export interface ExtractResult {
  /** The last batch this run committed, or null. */
  readonly batchId: string | null
  /** Every batch this run committed, in order (more than one when a backlog exceeded maxBatchRows). */
  readonly batches: readonly string[]
  readonly outcome: 'committed' | 'no-changes' | 'lost-race'
  readonly rows: Readonly<Partial<Record<SourceTable, number>>>
  readonly failedTables: IngestionManifest['failedTables']
  /** True when the batch was cut at its row limit: more changes are waiting, run again. */
  readonly more: boolean
  /** True when no table was read: the source proved nothing was committed since the last complete read. */
  readonly skipped?: boolean
  /** Logical mode: the WAL the replication slot retained on the source when the run began (bytes). */
  readonly retainedWalBytes?: number
  readonly ms: number
}

/**
 * The last complete read per source connection: a `watch` loop or a warm Lambda keeps its connection,
 * so its next poll can prove the source idle. A new process reads everything once.
 */
const idleMarks = new WeakMap<Database, IdleMark>()

async function runReadChangeSignal(source: Database): Promise<ChangeSignal> {
  const [row] = await source.query<{
    snapshot: string
    server_started_at: string
    in_recovery: boolean
    at_ms: number
  }>(CHANGE_SIGNAL_SQL)
  if (!row) throw new Error('the source returned no change signal')
  return {
    snapshot: row.snapshot,
    serverStartedAt: row.server_started_at,
    inRecovery: row.in_recovery,
    atMs: Number(row.at_ms),
  }
}

/** What a read is made at: the last batch (`<id>:<manifest sha256>`, its cursors) and the lag. */
async function runReadAt(ingestion: ObjectStore, input: ExtractInput): Promise<string> {
  const lastId = (await runListIngestionBatches(ingestion)).at(-1)
  const bytes = lastId === undefined ? undefined : await ingestion.get(manifestKey(lastId))
  const digest = bytes === undefined ? 'none' : createHash('sha256').update(bytes).digest('hex')
  return `${lastId ?? 'none'}:${digest} lag ${input.lagMs}`
}

/**
 * Runs extracts until the source is caught up: one batch when the changes fit in maxBatchRows, else
 * one batch after another (each its own snapshot and commit, so a crash keeps what was committed),
 * until none is cut short, a run loses the race to commit, or `untilMs` (a Date.now() deadline) passes.
 * The result sums the rows; `batchId` is the last batch committed, `batches` all of them.
 */
export async function runExtract(deps: ExtractDeps, input: ExtractInput): Promise<ExtractResult> {
  const started = performance.now()
  const signal =
    input.alwaysRead || input.logicalSnapshot ? undefined : await runReadChangeSignal(deps.source)
  const readAt = signal ? await runReadAt(deps.ingestion, input) : undefined
  if (signal && readAt !== undefined) {
    const decision = planIdleSkip(idleMarks.get(deps.source), signal, readAt)
    if (decision.skip) {
      const ms = Math.round(performance.now() - started)
      deps.log.debug('extract skipped: nothing committed on the source since the last read', {
        stage: 'extract',
        ms,
      })
      return { ...NOTHING, skipped: true, ms }
    }
  }
  idleMarks.delete(deps.source)
  const batches: string[] = []
  const rows: Partial<Record<SourceTable, number>> = {}
  const failed = new Map<SourceTable, string>()
  let last: ExtractResult
  do {
    last = await runExtractBatch(deps, input)
    if (last.batchId !== null) batches.push(last.batchId)
    for (const [table, n] of Object.entries(last.rows) as [SourceTable, number][])
      rows[table] = (rows[table] ?? 0) + n
    for (const f of last.failedTables) failed.set(f.table, f.reason)
  } while (
    last.outcome === 'committed' &&
    last.more &&
    (input.untilMs === undefined || Date.now() < input.untilMs)
  )
  // Every table read to the end of a snapshot taken after the signal, and its cursors committed (or
  // unchanged): until a transaction finishes on the source, a read at these cursors finds nothing.
  const complete = last.outcome !== 'lost-race' && !last.more && failed.size === 0
  if (signal && complete) {
    // Nothing committed by this run: the cursors read at are the ones found before it (not listed again).
    const after =
      batches.length === 0 && readAt !== undefined ? readAt : await runReadAt(deps.ingestion, input)
    idleMarks.set(deps.source, { signal, readAt: after })
  }
  return {
    batchId: batches.at(-1) ?? null,
    batches,
    outcome: batches.length > 0 ? 'committed' : last.outcome,
    rows,
    failedTables: [...failed].map(([table, reason]) => ({ table, reason })),
    more: last.more,
    ms: Math.round(performance.now() - started),
  }
}

const NOTHING = {
  batchId: null,
  batches: [],
  outcome: 'no-changes',
  rows: {},
  failedTables: [],
  more: false,
} as const satisfies Omit<ExtractResult, 'ms'>

/** Extracts one batch of at most maxBatchRows rows. */
async function runExtractBatch(deps: ExtractDeps, input: ExtractInput): Promise<ExtractResult> {
  const started = performance.now()
  const { ingestion, log } = deps
  const { batchId, previous } = await runPlanNextBatch(ingestion)
  const read = await runReadSnapshot(deps, input, previous, batchId, input.maxBatchRows ?? DEFAULT_BATCH_ROWS)
  const { entries, failedTables, more } = read

  const rows = Object.fromEntries(entries.map((e) => [e.table, e.rows])) as Partial<
    Record<SourceTable, number>
  >
  const ms = () => Math.round(performance.now() - started)
  if (entries.every((e) => e.rows === 0) && input.logicalSnapshot === undefined) {
    log.info('extract found no changes', { stage: 'extract', ms: ms(), failedTables: failedTables.length })
    return { batchId: null, batches: [], outcome: 'no-changes', rows, failedTables, more: false, ms: ms() }
  }

  const manifest = toSnapshotManifest(input, batchId, read)
  assertManifestCommittable(manifest)
  await deps.faults?.('before-manifest')
  // Serialised once, for the commit and for the next batch (rememberCommitted): ~8 ms at 35k edge keys.
  const text = INGESTION_MANIFEST.serialise(manifest)
  if (
    !(await commitBatch(ingestion, {
      key: manifestKey(batchId),
      codec: INGESTION_MANIFEST,
      manifest,
      text,
      written: entries.map((e) => e.key),
    }))
  ) {
    // Another extract committed this batch number first; our files were never visible and are gone.
    log.warn('extract lost the race to commit a batch; another run committed it', {
      stage: 'extract',
      batchId,
    })
    return { batchId: null, batches: [], outcome: 'lost-race', rows, failedTables, more: false, ms: ms() }
  }
  rememberCommitted(ingestion, manifest, text)
  log.info('extract committed a batch', {
    stage: 'extract',
    batchId,
    rows: entries.reduce((sum, e) => sum + e.rows, 0),
    tables: rows,
    more,
    ms: ms(),
  })
  return { batchId, batches: [batchId], outcome: 'committed', rows, failedTables, more, ms: ms() }
}

/** The batch's manifest; a read of a slot's snapshot also records the slot, its LSN and whether it is whole. */
function toSnapshotManifest(input: ExtractInput, batchId: string, read: SnapshotRead): IngestionManifest {
  return {
    format: INGESTION_FORMAT,
    batchId,
    createdAt: read.createdAt,
    lagMs: input.lagMs,
    tables: read.entries,
    failedTables: read.failedTables,
    cursors: read.cursors,
    ...(input.logicalSnapshot && {
      logical: {
        slot: input.logicalSnapshot.slot,
        lsn: input.logicalSnapshot.lsn,
        snapshot: read.more ? 'partial' : 'complete',
      },
    }),
  }
}
