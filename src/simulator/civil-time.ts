/**
 * Calendar arithmetic on plain integers (days since 1970-01-01, milliseconds of the day), so the seed's
 * naive UTC timestamps never pass through a JS Date and no process time zone can shift them.
 */

export const DAY_MS = 86_400_000

/** Days since 1970-01-01 of a 'YYYY-MM-DD' text (proleptic Gregorian; H. Hinnant's days_from_civil). */
export function toDayNumber(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (!match) throw new Error(`expected a date YYYY-MM-DD; got '${text}'`)
  const [y0, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const y = m <= 2 ? y0 - 1 : y0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

const dayTexts = new Map<number, string>()

/** 'YYYY-MM-DD' of a day number (civil_from_days), memoised: the seed formats the same few hundred days. */
export function formatDay(day: number): string {
  let text = dayTexts.get(day)
  if (text === undefined) {
    text = civilFromDays(day)
    if (dayTexts.size < 100_000) dayTexts.set(day, text)
  }
  return text
}

function civilFromDays(day: number): string {
  const z = day + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp + (mp < 10 ? 3 : -9)
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7
}

export function isWeekend(day: number): boolean {
  const w = weekday(day)
  return w === 0 || w === 6
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' of a day number and the milliseconds into that day. */
export function formatTimestamp(day: number, msOfDay: number): string {
  const extraDays = Math.floor(msOfDay / DAY_MS)
  const ms = msOfDay - extraDays * DAY_MS
  const h = Math.floor(ms / 3_600_000)
  const min = Math.floor(ms / 60_000) % 60
  const s = Math.floor(ms / 1000) % 60
  return `${formatDay(day + extraDays)} ${pad2(h)}:${pad2(min)}:${pad2(s)}.${String(ms % 1000).padStart(3, '0')}`
}

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}
