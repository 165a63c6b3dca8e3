/**
 * Quarantine of an extension stream, in the ingestion store under `ext/<stream>/_quarantine/<batch-id>/`:
 * `<entry-id>.json` says what was held and why (a whole file that does not parse, a provider answer that
 * fails its schema, records that fail the registered schema), with up to 20 samples; the held bytes sit
 * next to it (`dataKey`), so nothing that arrived is lost.
 */
import { z } from 'zod'
import { getText, type ObjectStore } from '../io/object-store.ts'
import { streamQuarantinePrefix } from './stream-keys.ts'

export interface StreamQuarantineEntry {
  readonly id: string
  readonly stream: string
  readonly batchId: string
  /** file: a whole source file or response; records: some records of landed files. */
  readonly level: 'file' | 'records'
  readonly reason: string
  readonly reasons: readonly { readonly reason: string; readonly records: number }[]
  readonly records: number
  /** Where it came from (external key, provider request). */
  readonly source: string
  /** The held bytes (the original file, or JSON Lines of the held records with their reason). */
  readonly dataKey: string | null
  readonly sample: readonly unknown[]
}

const entryJson = z.object({
  id: z.string(),
  stream: z.string(),
  batch_id: z.string(),
  level: z.enum(['file', 'records']),
  reason: z.string(),
  reasons: z.array(z.object({ reason: z.string(), records: z.number().int() })),
  records: z.number().int().nonnegative(),
  source: z.string(),
  data_key: z.string().nullable(),
  sample: z.array(z.unknown()),
})

/** The key of an entry's JSON. */
export function streamQuarantineKey(stream: string, batchId: string, id: string): string {
  return `${streamQuarantinePrefix(stream)}${batchId}/${id}.json`
}

/** Where the held bytes of an entry go. */
export function streamQuarantineDataKey(stream: string, batchId: string, id: string, ext: string): string {
  return `${streamQuarantinePrefix(stream)}${batchId}/${id}.${ext}`
}

/** Writes an entry's JSON (deterministic id: a re-run rewrites the same entry). */
export async function runWriteStreamQuarantine(store: ObjectStore, e: StreamQuarantineEntry): Promise<void> {
  const json = {
    id: e.id,
    stream: e.stream,
    batch_id: e.batchId,
    level: e.level,
    reason: e.reason,
    reasons: e.reasons,
    records: e.records,
    source: e.source,
    data_key: e.dataKey,
    sample: e.sample,
  }
  await store.put(streamQuarantineKey(e.stream, e.batchId, e.id), `${JSON.stringify(json, null, 1)}\n`)
}

/** Every quarantine entry of a stream, oldest batch first. */
export async function runListStreamQuarantine(
  store: ObjectStore,
  stream: string,
): Promise<StreamQuarantineEntry[]> {
  const out: StreamQuarantineEntry[] = []
  for (const key of await store.list(streamQuarantinePrefix(stream))) {
    if (!key.endsWith('.json') || key.includes('.held.')) continue
    const text = await getText(store, key)
    if (text === undefined) continue
    const parsed = entryJson.safeParse(JSON.parse(text))
    if (!parsed.success) continue // a held data file that happens to be .json
    const j = parsed.data
    out.push({
      id: j.id,
      stream: j.stream,
      batchId: j.batch_id,
      level: j.level,
      reason: j.reason,
      reasons: j.reasons,
      records: j.records,
      source: j.source,
      dataKey: j.data_key,
      sample: j.sample,
    })
  }
  return out.sort((a, b) => a.batchId.localeCompare(b.batchId) || a.id.localeCompare(b.id))
}

/** Counts held records per reason, most frequent first (pure). */
export function toReasonCounts(reasons: readonly string[]): { reason: string; records: number }[] {
  const counts = new Map<string, number>()
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1)
  return [...counts]
    .map(([reason, records]) => ({ reason, records }))
    .sort((a, b) => b.records - a.records || a.reason.localeCompare(b.reason))
}
