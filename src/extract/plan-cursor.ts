/**
 * The cursor arithmetic of an incremental extract, pure. See docs/ARCHITECTURE.md, "The cursor".
 *
 * A table's cursor is `hi` (largest `last_updated` read so far) and `edge` (the `(pk, last_updated)`
 * keys read with `last_updated >= hi - lag`). The next read takes `last_updated >= hi - lag` minus the
 * edge: a row that shares hi's millisecond, or commits late with an older stamp inside the lag, is read
 * exactly once.
 */
import type { TableCursor } from '../core/ingestion-manifest.ts'

/** The cursor of a table never read. */
export const INITIAL_CURSOR: TableCursor = { hi: null, edge: [] }

/** Timestamps in cursors are fixed-width `YYYY-MM-DD HH:MM:SS.mmm`, so text order is time order. */
export const CURSOR_TS_FORMAT = 'YYYY-MM-DD HH24:MI:SS.MS'
const CURSOR_TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/

/** What one read of a table found, as the source reported it. */
export interface TableRead {
  /** Largest `last_updated` among the rows read, or null when none. */
  readonly maxLastUpdated: string | null
  /** `max(hi, maxLastUpdated) - lag`, computed by the source. */
  readonly cutoff: string | null
  /** Keys of the rows read whose `last_updated >= cutoff`. */
  readonly edge: readonly (readonly [number, string])[]
}

/** The cursor after a read: hi moves forward only; the edge keeps every key at or after the cutoff. */
export function toNextCursor(previous: TableCursor, read: TableRead): TableCursor {
  const hi = maxTimestamp(previous.hi, read.maxLastUpdated)
  const cutoff = read.cutoff
  const keys = new Map<string, readonly [number, string]>()
  for (const key of [...previous.edge, ...read.edge]) {
    if (cutoff === null || key[1] >= cutoff) keys.set(`${key[0]}|${key[1]}`, key)
  }
  const edge = [...keys.values()].sort((a, b) => (a[1] === b[1] ? a[0] - b[0] : a[1] < b[1] ? -1 : 1))
  return { hi, edge }
}

/** The later of two cursor timestamps (null = none). */
export function maxTimestamp(a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return a >= b ? a : b
}

/**
 * The edge as two PostgreSQL array literals (ids, timestamps), to be passed as parameter values.
 * Every element is checked against its shape first, so nothing but digits and timestamps get in.
 */
export function toEdgeArrays(edge: TableCursor['edge']): { ids: string; timestamps: string } {
  for (const [id, ts] of edge) {
    if (!Number.isSafeInteger(id)) throw new Error(`invalid key in cursor edge: ${id}`)
    if (!CURSOR_TS.test(ts)) throw new Error(`invalid timestamp in cursor edge: ${ts}`)
  }
  return {
    ids: `{${edge.map(([id]) => id).join(',')}}`,
    timestamps: `{${edge.map(([, ts]) => `"${ts}"`).join(',')}}`,
  }
}
