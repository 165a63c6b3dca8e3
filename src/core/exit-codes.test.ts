import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  AccessError,
  ConfigError,
  ConflictError,
  DataError,
  EtlError,
  StoreError,
  UnavailableError,
} from './errors.ts'
import { EXIT_CODES, exitCodeOf } from './exit-codes.ts'

describe('exitCodeOf', () => {
  for (const [error, code] of [
    [new AccessError('database "x" does not exist'), 78],
    [new StoreError('cannot write'), 74],
    [new DataError('sha256 mismatch'), 65],
    [new UnavailableError('ECONNREFUSED'), 75],
    [new ConflictError('lost the race'), 75],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 75],
    [new ConfigError('EXTRACT_LAG must be a duration'), 1],
    [new EtlError('2 tables were not extracted'), 1],
    [new TypeError('x is undefined'), 1],
    ['a string', 1],
  ] as const) {
    it(`${error instanceof Error ? error.name : typeof error} → ${code}`, () =>
      assert.equal(exitCodeOf(error), code))
  }
})

describe('the exit codes in docs/OPERATIONS.md', () => {
  it('are exactly the codes the CLI uses', () => {
    const doc = readFileSync(new URL('../../docs/OPERATIONS.md', import.meta.url), 'utf8')
    const section = doc.split('### Exit codes')[1]?.split(/\n#{2,3} /)[0] ?? ''
    const documented = [...section.matchAll(/^\| `?(\d+)`? +\|/gm)].map((m) => Number(m[1]))
    assert.deepEqual(
      documented.sort((a, b) => a - b),
      Object.values(EXIT_CODES)
        .map((e) => e.code)
        .sort((a, b) => a - b),
    )
  })
})
