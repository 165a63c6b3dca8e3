import { ConfigError } from './errors.ts'

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses `250ms`, `30s`, `2m`, `1h`, `1d` (or a bare number of seconds) into milliseconds. */
export function parseDuration(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim())
  if (!match) throw new ConfigError(`${name} must be a duration like 30s, 2m or 1h; got '${text}'`)
  const value = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000)
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${name} is out of range: '${text}'`)
  return Math.round(value)
}
