import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  hasDifferences,
  toCanonicalValue,
  toDateCoverageProblems,
  toFactVersionDifferences,
  toRowKey,
  toTableDifferences,
} from './verify-warehouse.ts'

describe('verify-warehouse (pure)', () => {
  const canonical = [
    ['numeric', '2.50', '2.5'],
    ['numeric', '002.00', '2'],
    ['numeric', '-0.00', '0'],
    ['numeric(10,2)', '-12.340', '-12.34'],
    ['numeric', '.5', '0.5'],
    ['time', '10:00:00', '10:00:00.000'],
    ['time', '10:00:00.5', '10:00:00.500'],
    ['time', '10:00:00.123000', '10:00:00.123'],
    ['time', '10:00:00.123456', '10:00:00.123456'],
    ['bool', 't', 'true'],
    ['bool', false, 'false'],
    ['int4', 7, '7'],
    ['int4', '007', '7'],
    ['date', '2024-02-29', '2024-02-29'],
    ['varchar', '', ''],
    ['varchar', null, null],
  ] as const
  for (const [type, value, want] of canonical) {
    it(`canonical ${type} ${JSON.stringify(value)} -> ${JSON.stringify(want)}`, () => {
      assert.equal(toCanonicalValue(type, value), want)
    })
  }

  it('keys dims by natural id and facts by version', () => {
    assert.equal(toRowKey('dim_staff', { staff_id: 3 }), '3')
    assert.equal(
      toRowKey('fact_payment', {
        payment_id: '2',
        last_updated_date: '2024-02-01',
        last_updated_time: '10:00:00',
      }),
      '2|2024-02-01|10:00:00.000',
    )
  })

  it('lists missing, unexpected, duplicated and stale rows', () => {
    const currency = (id: number, code: string) => ({
      currency_id: id,
      currency_code: code,
      currency_name: code,
    })
    const d = toTableDifferences(
      'dim_currency',
      [currency(1, 'GBP'), currency(2, 'USD'), currency(3, 'EUR')],
      [currency(1, 'GBP'), currency(2, 'usd'), currency(4, 'JPY'), currency(4, 'JPY')],
    )
    assert.deepEqual(d, {
      table: 'dim_currency',
      missing: ['3'],
      unexpected: ['4'],
      duplicated: [{ key: '4', count: 2 }],
      stale: [{ key: '2', columns: ['currency_code', 'currency_name'] }],
    })
    assert.equal(hasDifferences(d), true)
    const same = toTableDifferences(
      'dim_currency',
      [currency(1, 'GBP')],
      [{ ...currency(1, 'GBP'), currency_id: '1' }],
    )
    assert.equal(hasDifferences(same), false)
  })

  it('compares fact versions with the warehouse counts', () => {
    const v = (id: number, time: string) => ({
      sales_order_id: id,
      last_updated_date: '2024-02-01',
      last_updated_time: time,
    })
    const d = toFactVersionDifferences(
      'fact_sales_order',
      [v(1, '10:00:00'), v(1, '11:00:00'), v(2, '10:00:00')],
      [
        { key: '1|2024-02-01|10:00:00.000', count: 2 },
        { key: '2|2024-02-01|10:00:00.000', count: 1 },
        { key: '3|2024-02-01|10:00:00.000', count: 1 },
      ],
    )
    assert.deepEqual(d.missing, ['1|2024-02-01|11:00:00.000'])
    assert.deepEqual(d.unexpected, ['3|2024-02-01|10:00:00.000'])
    assert.deepEqual(d.duplicated, [{ key: '1|2024-02-01|10:00:00.000', count: 2 }])
  })

  it('describes date coverage problems', () => {
    assert.deepEqual(
      toDateCoverageProblems({
        first: '2024-01-01',
        last: '2024-01-03',
        days: 3,
        gaps: [],
        missingReferenced: [],
      }),
      [],
    )
    assert.deepEqual(
      toDateCoverageProblems({
        first: '2024-01-01',
        last: '2024-01-04',
        days: 3,
        gaps: ['2024-01-02'],
        missingReferenced: [{ table: 'fact_payment', column: 'payment_date', date: '2024-05-01' }],
      }),
      [
        'dim_date is not contiguous between 2024-01-01 and 2024-01-04: lacks 2024-01-02',
        'fact_payment.payment_date references 2024-05-01, which dim_date lacks',
      ],
    )
  })
})
