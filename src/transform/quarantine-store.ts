/**
 * Quarantine entries in the ingestion store: `_quarantine/<batch-id>/<table>/<entry-id>.json` describes
 * rows held back (reason, batch, table, a sample of the raw rows); the rows themselves are a gzip'd CSV in
 * the ingestion format (`dataKey`: a file of their own, or the batch's original file when the whole slice
 * is held). `<entry-id>.replayed.json` marks an entry a replay batch re-submitted.
 */
import { z } from 'zod'
import { SOURCE_TABLES, type SourceTable } from '../core/catalogue.ts'
import {
  fromObservedColumnJson,
  naiveTimestampJson,
  type ObservedColumn,
  observedColumnJson,
  toObservedColumnJson,
} from '../core/ingestion-manifest.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'

export const QUARANTINE_PREFIX = '_quarantine/'

export interface QuarantineEntry {
  readonly id: string
  readonly batchId: string
  readonly table: SourceTable
  /** 'table': the whole slice (a needed column missing or retyped); 'rows': some rows failed checks. */
  readonly level: 'table' | 'rows'
  readonly reason: string
  readonly reasons: readonly { readonly reason: string; readonly rows: number }[]
  readonly rows: number
  /** The held rows: gzip'd CSV with a header, exactly the ingestion format, columns as observed. */
  readonly dataKey: string
  readonly bytes: number
  /** SHA-256 of the uncompressed CSV. */
  readonly sha256: string | null
  readonly columns: readonly ObservedColumn[]
  readonly schemaFingerprint: string
  readonly minLastUpdated: string | null
  readonly maxLastUpdated: string | null
  /** Up to 20 held rows as text, each with its `_reason`. */
  readonly sample: readonly Readonly<Record<string, string | null>>[]
}

const timestamp = naiveTimestampJson
const entryJson = z.object({
  id: z.string(),
  batch_id: z.string(),
  table: z.enum(SOURCE_TABLES),
  level: z.enum(['table', 'rows']),
  reason: z.string(),
  reasons: z.array(z.object({ reason: z.string(), rows: z.number().int() })),
  rows: z.number().int().nonnegative(),
  data_key: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().nullable(),
  columns: z.array(observedColumnJson),
  schema_fingerprint: z.string(),
  min_last_updated: timestamp.nullable(),
  max_last_updated: timestamp.nullable(),
  sample: z.array(z.record(z.string(), z.string().nullable())),
})

/** The id of a batch's quarantine entry for a table: deterministic, so a re-run rewrites the same entry. */
export function toQuarantineEntryId(batchId: string, table: SourceTable, level: 'table' | 'rows'): string {
  return `${batchId}-${table}-${level}`
}

/** Where an entry's JSON lives. */
export function quarantineEntryKey(batchId: string, table: SourceTable, id: string): string {
  return `${QUARANTINE_PREFIX}${batchId}/${table}/${id}.json`
}

function replayedKey(entry: Pick<QuarantineEntry, 'batchId' | 'table' | 'id'>): string {
  return `${QUARANTINE_PREFIX}${entry.batchId}/${entry.table}/${entry.id}.replayed.json`
}

/** Writes an entry's JSON. */
export async function runWriteQuarantineEntry(store: ObjectStore, e: QuarantineEntry): Promise<void> {
  const json = {
    id: e.id,
    batch_id: e.batchId,
    table: e.table,
    level: e.level,
    reason: e.reason,
    reasons: e.reasons,
    rows: e.rows,
    data_key: e.dataKey,
    bytes: e.bytes,
    sha256: e.sha256,
    columns: e.columns.map(toObservedColumnJson),
    schema_fingerprint: e.schemaFingerprint,
    min_last_updated: e.minLastUpdated,
    max_last_updated: e.maxLastUpdated,
    sample: e.sample,
  }
  await store.put(quarantineEntryKey(e.batchId, e.table, e.id), `${JSON.stringify(json, null, 1)}\n`)
}

/** Parses an entry read from the store. */
export function parseQuarantineEntry(text: string): QuarantineEntry {
  const j = entryJson.parse(JSON.parse(text))
  return {
    id: j.id,
    batchId: j.batch_id,
    table: j.table,
    level: j.level,
    reason: j.reason,
    reasons: j.reasons,
    rows: j.rows,
    dataKey: j.data_key,
    bytes: j.bytes,
    sha256: j.sha256,
    columns: j.columns.map(fromObservedColumnJson),
    schemaFingerprint: j.schema_fingerprint,
    minLastUpdated: j.min_last_updated,
    maxLastUpdated: j.max_last_updated,
    sample: j.sample,
  }
}

export interface ListedQuarantineEntry extends QuarantineEntry {
  /** The ingestion batch that re-submitted the rows, or null while they are held. */
  readonly replayedIn: string | null
}

/** Every quarantine entry, oldest batch first, with its replay status. */
export async function runListQuarantine(store: ObjectStore): Promise<ListedQuarantineEntry[]> {
  const keys = await store.list(QUARANTINE_PREFIX)
  const replayed = new Set(keys.filter((k) => k.endsWith('.replayed.json')))
  const out: ListedQuarantineEntry[] = []
  for (const key of keys) {
    if (!key.endsWith('.json') || key.endsWith('.replayed.json')) continue
    const text = await getText(store, key)
    if (!text) continue
    const entry = parseQuarantineEntry(text)
    const marker = replayedKey(entry)
    let replayedIn: string | null = null
    if (replayed.has(marker)) {
      const m = JSON.parse((await getText(store, marker)) ?? '{}') as { replay_batch_id?: string }
      replayedIn = m.replay_batch_id ?? null
    }
    out.push({ ...entry, replayedIn })
  }
  return out.sort((a, b) => a.batchId.localeCompare(b.batchId) || a.id.localeCompare(b.id))
}

/** Marks an entry as re-submitted by a replay batch. */
export async function runMarkReplayed(
  store: ObjectStore,
  entry: QuarantineEntry,
  replayBatchId: string,
): Promise<void> {
  await store.put(replayedKey(entry), `${JSON.stringify({ replay_batch_id: replayBatchId })}\n`)
}
