import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { StatusReport } from './run-status.ts'
import { formatAge, toStatusText } from './to-status-text.ts'

const KNOWN: StatusReport = {
  ingestion: { batches: 42, lastBatch: '0000000042', lastBatchAt: '2026-11-30 06:19:05.123' },
  processed: { batches: 42, lastBatch: '0000000042', pending: 0 },
  warehouse: {
    batches: 41,
    lastBatch: '0000000041',
    lastLoadedAtMs: Date.parse('2026-11-30T06:19:07Z'),
    pending: 1,
    newestChange: '2026-11-30 06:19:00.000',
    freshnessSeconds: 12,
    tables: [{ table: 'payment', newestChange: '2026-11-30 06:19:00.000', freshnessSeconds: 12 }],
    rows: { fact_payment: 10_009 },
    sourceDeletes: null,
  },
  quarantine: { entries: 0, rows: 0, open: [] },
  problems: [],
}

describe('toStatusText', () => {
  it('says where each stage is', () => {
    const text = toStatusText(KNOWN)
    assert.match(
      text,
      /^extract {4}last batch 0000000042 taken 2026-11-30 06:19:05\.123 \(source clock\), 42 committed$/m,
    )
    assert.match(text, /^load {7}last batch 0000000041 loaded 2026-11-30 06:19:07 UTC, 1 pending$/m)
    assert.match(text, /^ {2}payment {16}2026-11-30 06:19:00\.000 {2}12 s ago$/m)
    assert.match(text, /^ {2}fact_payment +10,009$/m)
    assert.doesNotMatch(text, /could not read/)
    assert.doesNotMatch(text, /source deletes/, 'cursor mode has no deletes to show')
  })

  it('shows the source deletes a logical-mode warehouse recorded, by table', () => {
    const text = toStatusText({
      ...KNOWN,
      warehouse: { ...KNOWN.warehouse!, sourceDeletes: { payment: 2, staff: 1 } },
    })
    assert.match(text, /^source deletes 3 \(etl\.source_deletes; their warehouse rows stay as history\)$/m)
    assert.match(text, /^ {2}payment +2$/m)
  })

  it('marks what an unreachable warehouse hides as unknown, never as zero, and says why once', () => {
    const text = toStatusText({
      ...KNOWN,
      warehouse: null,
      problems: [
        {
          system: 'warehouse',
          kind: 'unreachable',
          where: 'postgres://etl:***@127.0.0.1:1/warehouse',
          reason: 'connect ECONNREFUSED 127.0.0.1:1',
          hint: 'check WAREHOUSE_DB_URL',
        },
      ],
    })
    assert.match(text, /^load {7}UNKNOWN: warehouse unreachable \(see below\)$/m)
    assert.match(text, /^freshness {2}UNKNOWN/m)
    assert.match(text, /^warehouse rows UNKNOWN/m)
    assert.match(text, /^extract {4}last batch 0000000042/m, 'what the stores hold is still shown')
    assert.equal(text.match(/ECONNREFUSED/g)?.length, 1)
    assert.match(
      text,
      /^ {2}warehouse unreachable \(postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/warehouse\): connect ECONNREFUSED 127\.0\.0\.1:1; check WAREHOUSE_DB_URL$/m,
    )
    assert.doesNotMatch(text, /^load .*0 pending|fact_payment +0\b/m)
  })

  it('marks pending work unknown when the other side of it could not be read', () => {
    const text = toStatusText({
      ...KNOWN,
      ingestion: null,
      quarantine: null,
      processed: { batches: 42, lastBatch: '0000000042', pending: null },
      problems: [
        { system: 'ingestion store', kind: 'unreachable', where: 's3://b/i', reason: 'x', hint: 'y' },
      ],
    })
    assert.match(text, /^transform {2}last batch 0000000042, pending UNKNOWN: ingestion store unreachable/m)
    assert.match(text, /^quarantine UNKNOWN/m)
  })
})

describe('formatAge', () => {
  for (const [seconds, text] of [
    [0, '0 s'],
    [119.4, '119 s'],
    [119.6, '2 min'],
    [125, '2 min'],
    [3600 * 2 + 5 * 60, '2 h 05 min'],
    [86_400 * 3 + 3600 * 4, '3 d 4 h'],
  ] as const) {
    it(`${seconds} s is ${text}`, () => assert.equal(formatAge(seconds), text))
  }
})
