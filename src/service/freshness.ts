/**
 * Freshness: seconds from the newest source change the warehouse holds to now. Source stamps are naive
 * UTC text; they are read as UTC explicitly, so the process time zone cannot shift the figure.
 */

/** Milliseconds since the epoch of a naive UTC timestamp text `YYYY-MM-DD HH:MM:SS[.fff]`. */
export function toEpochMs(naiveUtc: string): number {
  const ms = Date.parse(`${naiveUtc.replace(' ', 'T')}Z`)
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: '${naiveUtc}'`)
  return ms
}

/** Seconds between a naive UTC timestamp and now (null when nothing is loaded). */
export function toFreshnessSeconds(newestChange: string | null, nowMs: number): number | null {
  return newestChange === null ? null : Math.max(0, (nowMs - toEpochMs(newestChange)) / 1000)
}
