/** `history --since`: a duration back from now (`90m`, `1h`, `7d`) or a UTC day or instant (`2026-11-30`, `2026-11-30T06:00`). */
import { parseDuration } from '../core/duration.ts'
import { ConfigError } from '../core/errors.ts'

/** Epoch ms of the earliest time asked for. */
export function parseSince(text: string, nowMs: number): number {
  const t = text.trim()
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return checked(Date.parse(`${t}T00:00:00Z`), t)
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/.test(t)) {
    return checked(Date.parse(`${t.replace(' ', 'T').replace(/Z$/, '')}Z`), t)
  }
  try {
    return nowMs - parseDuration(t, '--since')
  } catch {
    throw new ConfigError(
      `--since must be a duration back from now (90m, 1h, 7d) or a UTC day or time (2026-11-30, 2026-11-30T06:00); got '${text}'`,
    )
  }
}

/** The time, unless the text names a day the calendar lacks (Date.parse rolls 02-30 over into March). */
function checked(ms: number, text: string): number {
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text.slice(0, 10))
    throw new ConfigError(`--since names a day that does not exist: '${text}'`)
  return ms
}
