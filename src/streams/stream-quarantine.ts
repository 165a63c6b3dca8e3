/**
 * Quarantine of a stream, in the ingestion store under `ext/<stream>/_quarantine/<batch-id>/`:
 * `<entry-id>.json` says what was held and why (a whole file that does not parse, a provider answer that
 * fails its schema, records that fail the registered schema), with up to 20 samples; the held bytes sit
 * next to it (`dataKey`), so nothing that arrived is lost.
 */
import { STREAM_QUARANTINE_ENTRY, type StreamQuarantineEntry } from '../core/manifests/quarantine.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import { streamQuarantinePrefix } from './stream-keys.ts'

export type { StreamQuarantineEntry } from '../core/manifests/quarantine.ts'

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
  await store.put(streamQuarantineKey(e.stream, e.batchId, e.id), STREAM_QUARANTINE_ENTRY.serialise(e))
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
    try {
      out.push(STREAM_QUARANTINE_ENTRY.parse(text, key))
    } catch {
      // A held data file that happens to be .json sits beside the entries: not an entry.
    }
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
