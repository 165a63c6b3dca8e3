import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseSince } from './parse-since.ts'

const NOW = Date.parse('2026-11-30T12:00:00Z')

describe('parseSince', () => {
  for (const [text, expected] of [
    ['1h', '2026-11-30T11:00:00.000Z'],
    ['90m', '2026-11-30T10:30:00.000Z'],
    ['7d', '2026-11-23T12:00:00.000Z'],
    ['2026-11-30', '2026-11-30T00:00:00.000Z'],
    ['2026-11-29T06:30', '2026-11-29T06:30:00.000Z'],
    ['2026-11-29 06:30:15Z', '2026-11-29T06:30:15.000Z'],
  ] as const) {
    it(`reads ${text}`, () => assert.equal(new Date(parseSince(text, NOW)).toISOString(), expected))
  }
  for (const text of ['yesterday', '-1h', '2026-02-30', '30/11/2026']) {
    it(`refuses ${text}`, () => assert.throws(() => parseSince(text, NOW), /--since/))
  }
})
