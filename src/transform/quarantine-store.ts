/**
 * Quarantine entries in the ingestion store: `_quarantine/<batch-id>/<table>/<entry-id>.json` describes
 * rows held back (reason, batch, table, a sample of the raw rows); the rows themselves are a gzip'd CSV in
 * the ingestion format (`dataKey`: a file of their own, or the batch's original file when the whole slice
 * is held). Markers beside an entry say what became of it: `<entry-id>.replayed.json` (a replay batch
 * re-submitted it) or `<entry-id>.discarded.json` (an operator gave it up, with the reason). The formats
 * are declared in core/manifests/quarantine.ts.
 */

import {
  DISCARDED_MARKER,
  type DiscardedMarker,
  QUARANTINE_ENTRY,
  type QuarantineEntry,
  REPLAYED_MARKER,
} from '../core/manifests/quarantine.ts'
import { readManifestIfPresent } from '../core/manifests/read-manifest.ts'
import type { SourceTable } from '../core/source-catalogue.ts'
import type { ObjectStore } from '../io/object-store.ts'

export type { QuarantineEntry } from '../core/manifests/quarantine.ts'

export const QUARANTINE_PREFIX = '_quarantine/'

/** The id of a batch's quarantine entry for a table: deterministic, so a re-run rewrites the same entry. */
export function toQuarantineEntryId(batchId: string, table: SourceTable, level: 'table' | 'rows'): string {
  return `${batchId}-${table}-${level}`
}

/** Where an entry's JSON lives. */
export function quarantineEntryKey(batchId: string, table: SourceTable, id: string): string {
  return `${QUARANTINE_PREFIX}${batchId}/${table}/${id}.json`
}

type EntryIds = Pick<QuarantineEntry, 'batchId' | 'table' | 'id'>

function markerKey(entry: EntryIds, marker: 'replayed' | 'discarded'): string {
  return `${QUARANTINE_PREFIX}${entry.batchId}/${entry.table}/${entry.id}.${marker}.json`
}

const isMarker = (key: string) => key.endsWith('.replayed.json') || key.endsWith('.discarded.json')

/** Writes an entry's JSON. */
export async function runWriteQuarantineEntry(store: ObjectStore, e: QuarantineEntry): Promise<void> {
  await store.put(quarantineEntryKey(e.batchId, e.table, e.id), QUARANTINE_ENTRY.serialise(e))
}

/** Parses an entry read from the store; a DataError names `key`. */
export function parseQuarantineEntry(text: string, key = 'quarantine entry'): QuarantineEntry {
  return QUARANTINE_ENTRY.parse(text, key)
}

export interface ListedQuarantineEntry extends QuarantineEntry {
  /** The ingestion batch that re-submitted the rows, or null while they are held. */
  readonly replayedIn: string | null
  /** Set when an operator discarded the entry (listed only with `includeDiscarded`). */
  readonly discarded: DiscardedMarker | null
}

/**
 * Every quarantine entry, oldest batch first, with its replay status. Discarded entries are no longer
 * held (status, verify and replay ignore them) and are listed only with `includeDiscarded`.
 */
export async function runListQuarantine(
  store: ObjectStore,
  options: { readonly includeDiscarded?: boolean } = {},
): Promise<ListedQuarantineEntry[]> {
  const keys = await store.list(QUARANTINE_PREFIX)
  const markers = new Set(keys.filter(isMarker))
  const out: ListedQuarantineEntry[] = []
  for (const key of keys) {
    if (!key.endsWith('.json') || isMarker(key)) continue
    const entry = await readManifestIfPresent(store, key, QUARANTINE_ENTRY)
    if (!entry) continue
    const discarded = markers.has(markerKey(entry, 'discarded'))
      ? ((await readManifestIfPresent(store, markerKey(entry, 'discarded'), DISCARDED_MARKER)) ?? null)
      : null
    if (discarded && !options.includeDiscarded) continue
    const replayed = markers.has(markerKey(entry, 'replayed'))
      ? await readManifestIfPresent(store, markerKey(entry, 'replayed'), REPLAYED_MARKER)
      : undefined
    out.push({ ...entry, replayedIn: replayed?.replayBatchId ?? null, discarded })
  }
  return out.sort((a, b) => a.batchId.localeCompare(b.batchId) || a.id.localeCompare(b.id))
}

/** Marks an entry as re-submitted by a replay batch. */
export async function runMarkReplayed(
  store: ObjectStore,
  entry: EntryIds,
  replayBatchId: string,
): Promise<void> {
  await store.put(markerKey(entry, 'replayed'), REPLAYED_MARKER.serialise({ replayBatchId }))
}

/** Marks an entry as discarded (created only if absent: the first record of why stands). */
export async function runMarkDiscarded(
  store: ObjectStore,
  entry: EntryIds,
  marker: DiscardedMarker,
): Promise<boolean> {
  return store.createIfAbsent(markerKey(entry, 'discarded'), DISCARDED_MARKER.serialise(marker))
}
