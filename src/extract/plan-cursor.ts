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

/** The edge as the window's SQL takes it: PostgreSQL array literals, passed as parameter values. */
export interface EdgeArrays {
  /** On-axis keys: ids, and their stamps as milliseconds since 1970-01-01 00:00 (bigint). */
  readonly ids: string
  readonly ms: string
  /** Off-axis keys: ids, and PostgreSQL's text of their stamps (timestamp). */
  readonly offIds: string
  readonly offTimestamps: string
}

/**
 * The edge as PostgreSQL array literals. An on-axis stamp goes as its milliseconds since 1970 (computed
 * here from its digits: no JS Date, so TZ cannot matter): the source turns each back into the same
 * timestamp by adding that many milliseconds to 1970-01-01, ~20× cheaper than parsing its text, which
 * took ~40 ms per 37k keys, three or four times per cycle, with the CLI's 2-minute lag (Finding 12).
 * Off-axis stamps (infinity, BC, after 9999) go as text. Every element is checked against its shape
 * first, so nothing but digits and timestamps get in (an edge the manifest's codec parsed, parsed-edges.ts,
 * holds only safe integers and stamps of those shapes; its on-axis dates are checked all the same).
 */
export function toEdgeArrays(edge: TableCursor['edge']): EdgeArrays {
  const known = isParsedEdge(edge)
  const ids: number[] = []
  const ms: number[] = []
  const offIds: number[] = []
  const offTimestamps: string[] = []
  // The edge is in (stamp, key) order: a stamp is often the one before (rows changed by one statement
  // share it; 10k of them in the bench's cycles), and is then neither tested nor converted again.
  let lastTs: string | undefined
  let lastMs = 0
  for (const [id, ts] of edge) {
    if (!known && !Number.isSafeInteger(id)) throw new Error(`invalid key in cursor edge: ${id}`)
    if (ts === lastTs) {
      ids.push(id)
      ms.push(lastMs)
    } else if (CURSOR_TS.test(ts)) {
      ids.push(id)
      lastMs = toEpochMsOfShape(ts)
      lastTs = ts
      ms.push(lastMs)
    } else if (known || OFF_AXIS_STAMP.test(ts)) {
      offIds.push(id)
      offTimestamps.push(`"${ts}"`)
    } else throw new Error(`invalid timestamp in cursor edge: ${ts}`)
  }
  return {
    ids: `{${ids.join(',')}}`,
    ms: `{${ms.join(',')}}`,
    offIds: `{${offIds.join(',')}}`,
    offTimestamps: `{${offTimestamps.join(',')}}`,
  }
}

/**
 * Milliseconds from 1970-01-01 00:00:00.000 to a cursor stamp (`YYYY-MM-DD HH:MM:SS.mmm`, years 1–9999,
 * proleptic Gregorian as PostgreSQL's), from its digits; a date or time that does not exist throws.
 * Not service/freshness.ts's toEpochMs (Date.parse): that takes 2024-02-30 for 1 March, and the edge's
 * stamps must be rejected exactly where PostgreSQL would reject them, 35k of them a cycle.
 */
export function toCursorEpochMs(ts: string): number {
  if (!CURSOR_TS.test(ts)) throw new Error(`invalid timestamp in cursor edge: ${ts}`)
  return toEpochMsOfShape(ts)
}

/** toCursorEpochMs of a stamp known to have the cursor's shape. */
function toEpochMsOfShape(ts: string): number {
  const year = digitsAt(ts, 0, 4)
  const month = digitsAt(ts, 5, 7)
  const day = digitsAt(ts, 8, 10)
  const hour = digitsAt(ts, 11, 13)
  const minute = digitsAt(ts, 14, 16)
  const second = digitsAt(ts, 17, 19)
  if (
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    throw new Error(`invalid timestamp in cursor edge: ${ts}`)
  const ms = ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000
  return ms + second * 1000 + digitsAt(ts, 20, 23)
}

/** The number the decimal digits at [from, to) of `text` spell (no closure or slice per call: 35k a cycle). */
function digitsAt(text: string, from: number, to: number): number {
  let value = 0
  for (let i = from; i < to; i++) value = value * 10 + (text.charCodeAt(i) - 48)
  return value
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil), for years ≥ 1. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}
