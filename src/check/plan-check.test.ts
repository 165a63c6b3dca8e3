import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toClockVerdict, toSourceRightsVerdict, toWarehouseVerdict } from './plan-check.ts'

describe('toClockVerdict', () => {
  for (const [skew, lag, ok, text, warned] of [
    [40, 120_000, true, 'clock +0.04 s (EXTRACT_LAG 2m)', false],
    [-2500, 120_000, true, 'clock −2.50 s (EXTRACT_LAG 2m)', true],
    [0, 90_000, true, 'clock ±0.00 s (EXTRACT_LAG 90s)', false],
    [
      130_000,
      120_000,
      false,
      'clock +130.00 s (EXTRACT_LAG 2m): the clocks differ by more than the lag; fix NTP on this machine or the database host',
      false,
    ],
  ] as const) {
    it(`${skew} ms against ${lag} ms`, () => {
      const v = toClockVerdict(skew, lag)
      assert.equal(v.ok, ok)
      assert.equal(v.text, text)
      assert.equal(v.warning !== undefined, warned)
    })
  }
})

describe('toSourceRightsVerdict', () => {
  const all = (present: boolean, canSelect: boolean) =>
    ['address', 'payment'].map((table) => ({ table, present, canSelect }))
  it('read rights on every table are enough', () =>
    assert.deepEqual(toSourceRightsVerdict(all(true, true)), {
      ok: true,
      text: 'SELECT on 2/2 tables (read-only rights are enough)',
    }))
  it('says to seed an empty database', () =>
    assert.match(toSourceRightsVerdict(all(false, false)).text, /no totesys tables: seed it/))
  it('names tables missing and tables without SELECT', () => {
    assert.equal(
      toSourceRightsVerdict([
        { table: 'address', present: true, canSelect: true },
        { table: 'payment', present: false, canSelect: false },
      ]).text,
      'tables missing: payment',
    )
    assert.match(
      toSourceRightsVerdict([
        { table: 'address', present: true, canSelect: false },
        { table: 'payment', present: true, canSelect: true },
      ]).text,
      /no SELECT right on address: GRANT SELECT/,
    )
  })
})

describe('toWarehouseVerdict', () => {
  const tables = (present: boolean, canWrite = true) =>
    ['dim_date', 'fact_payment'].map((table) => ({ table, present, canWrite }))
  for (const [name, schema, ok, text] of [
    [
      'init not run',
      { tables: tables(false), ledger: false, loadedBatches: undefined, lastBatch: undefined },
      false,
      'schema absent: run totesys-etl init',
    ],
    [
      'half a schema',
      {
        tables: [
          { table: 'dim_date', present: true, canWrite: true },
          { table: 'fact_payment', present: false, canWrite: false },
        ],
        ledger: false,
        loadedBatches: undefined,
        lastBatch: undefined,
      },
      false,
      'schema incomplete, missing fact_payment, etl.load_ledger: run totesys-etl init',
    ],
    [
      'read-only',
      { tables: tables(true, false), ledger: true, loadedBatches: 0, lastBatch: undefined },
      false,
      'no INSERT/UPDATE right on dim_date, fact_payment: the load needs them',
    ],
    [
      'ready, nothing loaded',
      { tables: tables(true), ledger: true, loadedBatches: 0, lastBatch: undefined },
      true,
      'schema present (2 tables and the ledger), nothing loaded yet',
    ],
    [
      'loaded',
      { tables: tables(true), ledger: true, loadedBatches: 12, lastBatch: '0000000012' },
      true,
      'schema present (2 tables and the ledger), 12 batches loaded, last 0000000012',
    ],
  ] as const) {
    it(name, () => assert.deepEqual(toWarehouseVerdict(schema), { ok, text }))
  }
})
