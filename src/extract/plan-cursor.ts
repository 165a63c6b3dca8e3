/**
 * The cursor arithmetic of an incremental extract, pure. See docs/ARCHITECTURE.md, "The cursor".
 *
 * A table's cursor is `hi` (largest `last_updated` read so far, never past the source's clock) and `edge`
 * (the `(pk, last_updated)` keys read with `last_updated >= hi - lag`). The next read takes
 * `last_updated >= hi - lag` minus the edge: a row that shares hi's millisecond, commits late with an
 * older stamp inside the lag, or is stamped in the future, is read exactly once.
 *
 * A stamp off the time axis (`infinity`, `-infinity`, before year 1 or after 9999) cannot be ordered
 * with the others: it never moves hi, and its key stays in the edge (in PostgreSQL's own text form) for
 * as long as the row still carries that stamp, so the version is read once and a later one is read again.
 */
import { OFF_AXIS_STAMP, type TableCursor } from '../core/manifests/ingestion.ts'

/** The cursor of a table never read. */
export const INITIAL_CURSOR: TableCursor = { hi: null, edge: [] }

/** Timestamps in cursors are fixed-width `YYYY-MM-DD HH:MM:SS.mmm`, so text order is time order. */
export const CURSOR_TS_FORMAT = 'YYYY-MM-DD HH24:MI:SS.MS'
const CURSOR_TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/

/** A key of the edge: `[primary key, last_updated]`. */
export type EdgeKey = readonly [number, string]

/** What one read of a table found, as the source reported it. */
export interface TableRead {
  /** The source's clock when the snapshot was taken (naive UTC, cursor format): hi never passes it. */
  readonly now: string
  /** Largest on-axis `last_updated` among the rows read, or null when none. */
  readonly maxLastUpdated: string | null
  /** `max(hi, min(maxLastUpdated, now)) - lag`, computed by the source. */
  readonly cutoff: string | null
  /** Keys of the on-axis rows read whose `last_updated >= cutoff`. */
  readonly edge: readonly EdgeKey[]
  /** Off-axis keys the table still holds: those read now and those of the previous edge still present. */
  readonly offAxis: readonly EdgeKey[]
}

/** True for a stamp the cursor can order (fixed-width, year 1 to 9999). */
export function isOnAxis(ts: string): boolean {
  return CURSOR_TS.test(ts)
}

/**
 * The cursor after a read: hi moves forward only and never past the source's clock; the edge keeps every
 * on-axis key at or after the cutoff (future ones included) and the off-axis keys the table still holds.
 */
export function toNextCursor(previous: TableCursor, read: TableRead): TableCursor {
  const newest = read.maxLastUpdated === null ? null : minTimestamp(read.maxLastUpdated, read.now)
  const hi = maxTimestamp(previous.hi, newest)
  const cutoff = read.cutoff
  const keys = new Map<string, EdgeKey>()
  for (const key of [...previous.edge, ...read.edge]) {
    if (isOnAxis(key[1]) && (cutoff === null || key[1] >= cutoff)) keys.set(`${key[0]}|${key[1]}`, key)
  }
  const onAxis = [...keys.values()].sort(byStampThenKey)
  const offAxis = [...new Map(read.offAxis.map((k) => [`${k[0]}|${k[1]}`, k])).values()].sort(byKeyThenStamp)
  return { hi, edge: [...onAxis, ...offAxis] }
}

function byStampThenKey(a: EdgeKey, b: EdgeKey): number {
  return a[1] === b[1] ? a[0] - b[0] : a[1] < b[1] ? -1 : 1
}

function byKeyThenStamp(a: EdgeKey, b: EdgeKey): number {
  return a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] - b[0]
}

/** The later of two cursor timestamps (null = none). */
export function maxTimestamp(a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return a >= b ? a : b
}

function minTimestamp(a: string, b: string): string {
  return a <= b ? a : b
}

/**
 * The edge as two PostgreSQL array literals (ids, timestamps), to be passed as parameter values.
 * Every element is checked against its shape first, so nothing but digits and timestamps get in.
 */
export function toEdgeArrays(edge: TableCursor['edge']): { ids: string; timestamps: string } {
  for (const [id, ts] of edge) {
    if (!Number.isSafeInteger(id)) throw new Error(`invalid key in cursor edge: ${id}`)
    if (!CURSOR_TS.test(ts) && !OFF_AXIS_STAMP.test(ts))
      throw new Error(`invalid timestamp in cursor edge: ${ts}`)
  }
  return {
    ids: `{${edge.map(([id]) => id).join(',')}}`,
    timestamps: `{${edge.map(([, ts]) => `"${ts}"`).join(',')}}`,
  }
}
