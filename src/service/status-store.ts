/**
 * The status store: where every command leaves its alerts, errors, run outcomes and per-stage batch
 * timings, so `history` and the status page see what any command saw, whichever process ran it.
 *
 * Append-only JSON objects under `_status/` in the processed store (a folder or S3, like the data): one
 * object per event, so concurrent writers never clash and nothing is ever rewritten; keys sort by time
 * inside a folder per UTC day, so a reader lists only the days it asks for; days older than the
 * retention are deleted. Not a warehouse table: the alert that says the warehouse is unreachable must
 * still land somewhere.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { ObjectStore } from '../io/object-store.ts'

export const STATUS_PREFIX = '_status/'
/** How long events are kept. */
export const STATUS_RETENTION_DAYS = 30
const DAY_MS = 86_400_000

export const STATUS_KINDS = ['alert', 'error', 'warn', 'resolved', 'run', 'batch'] as const
export type StatusKind = (typeof STATUS_KINDS)[number]

/** One event, as written and read back. */
export interface StatusEvent {
  /** Epoch milliseconds (the writer's clock). */
  readonly at: number
  readonly kind: StatusKind
  /** The command that raised it (`run`, `fx fetch`, `start`…). */
  readonly command: string
  readonly message: string
  readonly stage?: string
  readonly batchId?: string
  readonly table?: string
  readonly rows?: number
  readonly ms?: number
  /** Run outcomes: how the command ended. */
  readonly outcome?: 'ok' | 'failed'
  readonly exitCode?: number
  /** The error text (already free of secrets: the io layer redacts what it raises). */
  readonly error?: string
  /** The other log fields, bounded in size. */
  readonly fields?: Readonly<Record<string, unknown>>
}

const eventJson = z.object({
  at: z.iso.datetime(),
  kind: z.enum(STATUS_KINDS),
  command: z.string().max(200),
  message: z.string().max(2000),
  stage: z.string().max(50).optional(),
  batch_id: z.string().max(50).optional(),
  table: z.string().max(100).optional(),
  rows: z.number().int().nonnegative().optional(),
  ms: z.number().nonnegative().optional(),
  outcome: z.enum(['ok', 'failed']).optional(),
  exit_code: z.number().int().optional(),
  error: z.string().max(4000).optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
})

/** The event as the stored JSON text (snake_case, like every file in the stores). */
export function toStatusEventJson(e: StatusEvent): string {
  return `${JSON.stringify({
    at: new Date(e.at).toISOString(),
    kind: e.kind,
    command: e.command,
    message: e.message,
    stage: e.stage,
    batch_id: e.batchId,
    table: e.table,
    rows: e.rows,
    ms: e.ms,
    outcome: e.outcome,
    exit_code: e.exitCode,
    error: e.error,
    fields: e.fields,
  })}\n`
}

/** Parses an event read back from the store; throws on anything else. */
export function parseStatusEvent(text: string): StatusEvent {
  const j = eventJson.parse(JSON.parse(text))
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Record<K, V>)
  return {
    at: Date.parse(j.at),
    kind: j.kind,
    command: j.command,
    message: j.message,
    ...optional('stage', j.stage),
    ...optional('batchId', j.batch_id),
    ...optional('table', j.table),
    ...optional('rows', j.rows),
    ...optional('ms', j.ms),
    ...optional('outcome', j.outcome),
    ...optional('exitCode', j.exit_code),
    ...optional('error', j.error),
    ...optional('fields', j.fields),
  }
}

/** Batch timings are many and read by batch, in hour folders; everything else is few, in day folders. */
export type StatusGroup = 'batches' | 'events'
const groupOf = (kind: StatusKind): StatusGroup => (kind === 'batch' ? 'batches' : 'events')
const HOUR_MS = 3_600_000

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const hour = (ms: number) => new Date(ms).toISOString().slice(11, 13)
const safe = (text: string) => text.replace(/[^a-z0-9_]/gi, '_').slice(0, 40)

/** The folder of an event: `_status/events/<day>/` or `_status/batches/<day>/<hour>/`. */
function folderOf(group: StatusGroup, ms: number): string {
  return `${STATUS_PREFIX}${group}/${day(ms)}/${group === 'batches' ? `${hour(ms)}/` : ''}`
}

let sequence = 0
/** A sequence then random hex: events one process writes in the same millisecond keep their order. */
function nextSuffix(): string {
  sequence = (sequence + 1) % 0x10000
  return `${sequence.toString(16).padStart(4, '0')}${randomBytes(4).toString('hex')}`
}

/**
 * `<folder><HHMMSSmmm>-<kind>[-<stage>-<batch>]-<random>.json`: sorted by time within a folder, and a
 * batch timing can be found by its stage and batch id without reading it.
 */
export function toStatusKey(e: StatusEvent, suffix = nextSuffix()): string {
  const time = new Date(e.at).toISOString().slice(11, 23).replace(/[:.]/g, '')
  const batch = e.kind === 'batch' ? `-${safe(e.stage ?? 'none')}-${safe(e.batchId ?? 'none')}` : ''
  return `${folderOf(groupOf(e.kind), e.at)}${time}-${e.kind}${batch}-${suffix}.json`
}

export interface StatusKeyInfo {
  readonly key: string
  readonly at: number
  readonly kind: StatusKind
  readonly stage?: string
  readonly batchId?: string
}

const KEY =
  /^_status\/(?:batches|events)\/(\d{4}-\d{2}-\d{2})\/(?:\d{2}\/)?(\d{2})(\d{2})(\d{2})(\d{3})-([a-z]+)(?:-([A-Za-z0-9_]+)-([A-Za-z0-9_]+))?-[0-9a-f]+\.json$/

/** What a key says about its event, or undefined for a key that is not an event. */
export function parseStatusKey(key: string): StatusKeyInfo | undefined {
  const m = KEY.exec(key)
  if (!m) return undefined
  const [, date, hh, mi, ss, mss, kind, stage, batchId] = m
  if (!(STATUS_KINDS as readonly string[]).includes(kind ?? '')) return undefined
  const at = Date.parse(`${date}T${hh}:${mi}:${ss}.${mss}Z`)
  if (Number.isNaN(at)) return undefined
  return {
    key,
    at,
    kind: kind as StatusKind,
    ...(stage === undefined ? {} : { stage }),
    ...(batchId === undefined ? {} : { batchId }),
  }
}

/** Writes one event as a new object. */
export async function runWriteStatusEvent(store: ObjectStore, event: StatusEvent): Promise<void> {
  await store.put(toStatusKey(event), toStatusEventJson(event))
}

/** The folders holding a group's events from `fromMs` to `toMs`, oldest first, within the retention. */
export function toStatusFolders(group: StatusGroup, fromMs: number, toMs: number): string[] {
  const step = group === 'batches' ? HOUR_MS : DAY_MS
  const from = Math.max(fromMs, toMs - STATUS_RETENTION_DAYS * DAY_MS)
  const folders: string[] = []
  for (let t = from - (from % step); t <= toMs; t += step) folders.push(folderOf(group, t))
  return folders
}

/** The event keys of a group from `fromMs` to `toMs`, oldest first: lists only the folders asked for. */
export async function runListStatusKeys(
  store: ObjectStore,
  group: StatusGroup,
  fromMs: number,
  toMs: number,
): Promise<StatusKeyInfo[]> {
  const out: StatusKeyInfo[] = []
  for (const folder of toStatusFolders(group, fromMs, toMs)) {
    for (const key of await store.list(folder)) {
      const info = parseStatusKey(key)
      if (info && info.at >= fromMs && info.at <= toMs) out.push(info)
    }
  }
  // Within a millisecond, by the suffix (its sequence), not by kind.
  const suffix = (key: string) => key.slice(key.lastIndexOf('-'))
  return out.sort((a, b) => a.at - b.at || (suffix(a.key) < suffix(b.key) ? -1 : 1))
}

/**
 * Reads events by key (a few at a time), oldest first. Events never change once written, so a cache
 * passed in by a long-running reader (the status page) saves reading one twice. Unreadable objects are
 * skipped: one bad event must not hide the others.
 */
export async function runReadStatusEvents(
  store: ObjectStore,
  keys: readonly string[],
  cache: Map<string, StatusEvent | null> = new Map(),
): Promise<StatusEvent[]> {
  const todo = keys.filter((k) => !cache.has(k))
  for (let i = 0; i < todo.length; i += 16) {
    await Promise.all(
      todo.slice(i, i + 16).map(async (key) => {
        const bytes = await store.get(key)
        try {
          cache.set(key, bytes === undefined ? null : parseStatusEvent(new TextDecoder().decode(bytes)))
        } catch {
          cache.set(key, null)
        }
      }),
    )
  }
  return keys.flatMap((k) => cache.get(k) ?? []).sort((a, b) => a.at - b.at)
}

/**
 * Deletes the events of the `windowDays` days just past the retention. Called by every recorded
 * command, so a store written every day is pruned every day; a longer gap is covered by a wider window.
 */
export async function runPruneStatus(store: ObjectStore, nowMs: number, windowDays = 3): Promise<number> {
  let deleted = 0
  for (let back = STATUS_RETENTION_DAYS + 1; back <= STATUS_RETENTION_DAYS + windowDays; back++) {
    for (const group of ['events', 'batches'] as const) {
      const keys = await store.list(`${STATUS_PREFIX}${group}/${day(nowMs - back * DAY_MS)}/`)
      for (const key of keys) await store.delete(key)
      deleted += keys.length
    }
  }
  return deleted
}
