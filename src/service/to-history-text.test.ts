import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatDuration, toHistoryText } from './to-history-text.ts'

describe('toHistoryText', () => {
  it('lines up one row per stage and batch, unknowns as –', () => {
    const text = toHistoryText({
      rows: [
        {
          atMs: Date.parse('2026-11-30T06:19:07Z'),
          stage: 'load',
          batchId: '0000000042',
          rows: 1630,
          ms: 410,
          outcome: 'loaded',
        },
        { atMs: null, stage: 'transform', batchId: '0000000042', rows: 1630, ms: null, outcome: 'committed' },
        {
          atMs: Date.parse('2026-11-30T06:18:00Z'),
          stage: 'fx fetch',
          batchId: null,
          rows: null,
          ms: 12_345,
          outcome: 'failed',
          detail: 'UnavailableError: provider answered 503',
        },
      ],
      problems: [],
    })
    assert.equal(
      text,
      [
        'when (UTC)           stage      batch        rows  duration  outcome',
        '2026-11-30 06:19:07  load       0000000042  1,630    0.41 s  loaded',
        '–                    transform  0000000042  1,630         –  committed',
        '2026-11-30 06:18:00  fx fetch   –               –    12.3 s  failed: UnavailableError: provider answered 503',
      ].join('\n'),
    )
  })

  it('says when nothing happened, and what could not be read', () => {
    const text = toHistoryText({
      rows: [],
      problems: [
        { system: 'warehouse', kind: 'unreachable', where: 'pglite:/x', reason: 'locked', hint: 'check it' },
      ],
    })
    assert.match(text, /^no batches or failed runs in this window$/m)
    assert.match(text, /^ {2}warehouse unreachable \(pglite:\/x\): locked; check it$/m)
  })
})

describe('formatDuration', () => {
  for (const [ms, text] of [
    [410, '0.41 s'],
    [12_345, '12.3 s'],
    [245_000, '4 min 05 s'],
  ] as const) {
    it(`${ms} ms is ${text}`, () => assert.equal(formatDuration(ms), text))
  }
})
