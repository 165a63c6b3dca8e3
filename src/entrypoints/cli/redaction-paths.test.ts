/**
 * No generated password survives any path a URL takes to the operator: the location a command
 * describes, a setting's error, a connection error carrying the driver's own words (which may echo the
 * password), and the log line itself, as JSON (off a terminal) and as text (on one).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { describeLocation, knownSecrets, loadConfig, parseDbLocation } from '../../config.ts'
import { toConnectionError } from '../../io/pg-database.ts'
import { errorFields, type LogEntry, lineLog, redactingLog, toJsonLine } from '../../log.ts'
import { renderLogEntry } from './render-log-entry.ts'

const password = fc.oneof(
  fc.string({ unit: 'binary-ascii', minLength: 4, maxLength: 20 }),
  fc.string({ unit: 'grapheme', minLength: 4, maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(...'@:/?#&=%\'" \\+;,.*aZ9'), minLength: 4, maxLength: 16 }),
)
const urlForms = (pw: string) => {
  const enc = encodeURIComponent(pw)
  return [
    `postgres://etl:${enc}@db.example.com:5432/totesys`,
    `postgres://etl@db.example.com/totesys?password=${enc}&sslmode=require`,
    `postgresql://db.example.com/totesys?sslpassword=${enc}`,
    ...(/\s/.test(pw) ? [] : [`postgres://etl:${pw}@db.example.com:5432/totesys`]),
  ]
}
const formsOf = (pw: string) => {
  const url = new URL('x://u@h')
  url.password = pw
  return [...new Set([pw, encodeURIComponent(pw), url.password, JSON.stringify(pw).slice(1, -1)])]
}
const attempt = (fn: () => string) => {
  try {
    return fn()
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** Everything the operator may see for a configured URL, one string. */
function everythingShown(url: string, pw: string): string {
  const shown: string[] = []
  shown.push(attempt(() => describeLocation(parseDbLocation('TOTESYS_DB_URL', url, '/x'))))
  shown.push(attempt(() => describeLocation(loadConfig({ TOTESYS_DB_URL: url }).totesysDb)))
  const driver = Object.assign(new Error(`password authentication failed for "${pw}" at ${url}`), {
    code: '28P01',
  })
  const failure = toConnectionError(driver, 'source (TOTESYS_DB_URL)', url)
  shown.push(failure.message)
  const lines: string[] = []
  const entries: LogEntry[] = []
  const secrets = knownSecrets({ TOTESYS_DB_URL: url })
  const json = redactingLog(
    lineLog(
      (l) => lines.push(l),
      (e) => toJsonLine(e, new Date(0)),
    ),
    secrets,
  )
  const text = redactingLog(
    lineLog(
      (l) => lines.push(l),
      (e) => {
        entries.push(e)
        return renderLogEntry(e, { color: false, verbose: true })
      },
    ),
    secrets,
  )
  for (const log of [json, text]) {
    log.error('command failed', { command: 'extract', exitCode: 78, ...errorFields(failure) })
    log.warn('retrying', { url, detail: { nested: [`again ${url}`] } })
  }
  return [...shown, ...lines].join('\n')
}

describe('every path a URL takes to the operator (property)', () => {
  it('carries no form of its password', () => {
    fc.assert(
      fc.property(password, fc.nat(3), (pw, form) => {
        const pick = (p: string) => {
          const forms = urlForms(p)
          return forms[Math.min(form % urlForms(pw).length, forms.length - 1)] ?? ''
        }
        const out = everythingShown(pick(pw), pw)
        const baseline = everythingShown(pick('Qz9Qz9'), 'Qz9Qz9')
        const leaked = formsOf(pw).filter((f) => out.includes(f) && !baseline.includes(f))
        assert.deepEqual(leaked, [], `leaked ${JSON.stringify(leaked)} for ${JSON.stringify(pick(pw))}`)
      }),
      { numRuns: 400 },
    )
  })
})
