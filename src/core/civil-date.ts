/** Calendar days as 'YYYY-MM-DD' text in UTC (pure): checks and arithmetic for FX ranges and dataset dates. */

const DAY_MS = 86_400_000

/** Epoch ms of a `YYYY-MM-DD` day at 00:00 UTC, or NaN. */
function dayMs(day: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : Number.NaN
}

/** True for a real calendar day in `YYYY-MM-DD`. */
export function isDay(day: string): boolean {
  const ms = dayMs(day)
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day
}

/** The day `n` days after (or before, n < 0) a `YYYY-MM-DD` day, in UTC calendar arithmetic. */
export function addDays(day: string, n: number): string {
  const ms = dayMs(day)
  if (Number.isNaN(ms)) throw new Error(`not a day: '${day}'`)
  return new Date(ms + n * DAY_MS).toISOString().slice(0, 10)
}

/** Every day from `from` to `to` inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = []
  for (let day = from; day <= to; day = addDays(day, 1)) out.push(day)
  return out
}
