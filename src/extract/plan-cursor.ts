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
import { isParsedEdge } from './parsed-edges.ts'

/** A key of the edge: `[primary key, last_updated]`. */
export type EdgeKey = readonly [number, string]

/** The cursor of a table never read. */
export const INITIAL_CURSOR: TableCursor = { hi: null, edge: [] }

/** Timestamps in cursors are fixed-width `YYYY-MM-DD HH:MM:SS.mmm`, so text order is time order. */
export const CURSOR_TS_FORMAT = 'YYYY-MM-DD HH24:MI:SS.MS'
const CURSOR_TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/

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
  const kept = (key: EdgeKey) => isOnAxis(key[1]) && (cutoff === null || key[1] >= cutoff)
  const onAxis = toMergedKeys(previous.edge.filter(kept), read.edge.filter(kept))
  const offAxis = [...new Map(read.offAxis.map((k) => [`${k[0]}|${k[1]}`, k])).values()].sort(byKeyThenStamp)
  return { hi, edge: [...onAxis, ...offAxis] }
}

/**
 * The keys of both lists once each, in (stamp, key) order. Both are usually in that order already (a
 * cursor's on-axis keys are kept so; the source returns a read's so), and then they are merged in one
 * pass: with the CLI's lag an edge holds every key changed in the last 2 minutes, and a Map of them all,
 * sorted, cost ~10–20 ms a cycle at 35k keys. Otherwise, the keys are deduplicated and sorted.
 */
function toMergedKeys(a: readonly EdgeKey[], b: readonly EdgeKey[]): EdgeKey[] {
  if (!isStrictlySorted(a) || !isStrictlySorted(b)) {
    const keys = new Map<string, EdgeKey>()
    for (const key of [...a, ...b]) keys.set(`${key[0]}|${key[1]}`, key)
    return [...keys.values()].sort(byStampThenKey)
  }
  const merged: EdgeKey[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const x = a[i]
    const y = b[j]
    const order = x === undefined ? 1 : y === undefined ? -1 : byStampThenKey(x, y)
    // An equal key in both lists is kept once (the later list's, as a Map keyed by it would).
    if (order < 0) merged.push(x as EdgeKey)
    else merged.push(y as EdgeKey)
    if (order <= 0) i++
    if (order >= 0) j++
  }
  return merged
}

/** True when every key comes strictly after the one before it in (stamp, key) order: sorted, no repeat. */
function isStrictlySorted(keys: readonly EdgeKey[]): boolean {
  for (let i = 1; i < keys.length; i++) {
    if (byStampThenKey(keys[i - 1] as EdgeKey, keys[i] as EdgeKey) >= 0) return false
  }
  return true
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
 * Every element is checked against its shape first, so nothing but digits and timestamps get in; an
 * edge the manifest's codec parsed (parsed-edges.ts) holds only safe integers and stamps of those shapes.
 */
export function toEdgeArrays(edge: TableCursor['edge']): { ids: string; timestamps: string } {
  for (const [id, ts] of isParsedEdge(edge) ? [] : edge) {
    if (!Number.isSafeInteger(id)) throw new Error(`invalid key in cursor edge: ${id}`)
    if (!CURSOR_TS.test(ts) && !OFF_AXIS_STAMP.test(ts))
      throw new Error(`invalid timestamp in cursor edge: ${ts}`)
  }
  return {
    ids: `{${edge.map(([id]) => id).join(',')}}`,
    timestamps: `{${edge.map(([, ts]) => `"${ts}"`).join(',')}}`,
  }
}
