import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type FxAnswerLine,
  type FxMeta,
  planCarryInDays,
  planFxObservations,
  planFxRates,
} from './plan-fx-rates.ts'

const meta: FxMeta = {
  provider: 'test',
  from: '2024-01-05',
  to: '2024-01-07',
  currencies: [
    { id: 1, code: 'GBP' },
    { id: 3, code: 'EUR' },
  ],
}

/** One landed line, built from its parts. */
const anAnswer = (
  over: Partial<FxAnswerLine> & { rates?: Record<string, unknown>; date?: string } = {},
): string => {
  const { rates = { EUR: 1.1627 }, date, ...line } = over
  const base = line.base ?? 'GBP'
  const day = line.requested_date ?? '2024-01-05'
  return JSON.stringify({
    requested_date: day,
    base,
    quotes: ['EUR'],
    url: 'http://x',
    status: 200,
    body: JSON.stringify({ amount: 1.0, base, date: date ?? day, rates }),
    carry_in: false,
    ...line,
  })
}

describe('plan-fx-rates', () => {
  it('fills weekends from the business day the provider answered with, per base', () => {
    const { observations, held } = planFxObservations([
      anAnswer(),
      anAnswer({ requested_date: '2024-01-06', date: '2024-01-05' }),
      anAnswer({ requested_date: '2024-01-07', status: 404, body: '{"message":"not found"}' }),
      anAnswer({ base: 'EUR', rates: { GBP: 0.86008 } }),
      anAnswer({ base: 'EUR', requested_date: '2024-01-06', date: '2024-01-05', rates: { GBP: 0.86008 } }),
      anAnswer({ base: 'EUR', requested_date: '2024-01-07', date: '2024-01-05', rates: { GBP: 0.86008 } }),
      '',
    ])
    assert.deepEqual(held, [])
    const planned = planFxRates(meta, observations)
    assert.deepEqual(planned.held, [])
    assert.deepEqual(planned.rows, [
      ['2024-01-05', '1', '3', '1.1627'],
      ['2024-01-05', '3', '1', '0.86008'],
      ['2024-01-06', '1', '3', '1.1627'],
      ['2024-01-06', '3', '1', '0.86008'],
      ['2024-01-07', '1', '3', '1.1627'],
      ['2024-01-07', '3', '1', '0.86008'],
    ])
  })

  const heldCases: [string, string, RegExp][] = [
    ['a line that is not JSON', 'nope', /not JSON/],
    ['a line of another shape', '{"base":"GBP"}', /does not fit the answer record/],
    ['an HTTP 422', anAnswer({ status: 422 }), /HTTP 422/],
    ['a body that is not JSON', anAnswer({ body: '<html>' }), /answer is not JSON/],
    [
      'rates that are not an object',
      anAnswer({ body: '{"amount":1,"base":"GBP","date":"2024-01-05","rates":"x"}' }),
      /fails its schema at rates/,
    ],
    [
      'another base',
      anAnswer({ body: '{"amount":1,"base":"USD","date":"2024-01-05","rates":{}}' }),
      /answered base USD/,
    ],
    ['rates of a later day', anAnswer({ date: '2024-01-08' }), /rates of 2024-01-08 for 2024-01-05/],
    [
      'a rate that is not exact',
      anAnswer({ rates: { EUR: Number('1.23456789012345678') } }),
      /significant digits/,
    ],
    ['a rate that is not positive', anAnswer({ rates: { EUR: 0 } }), /not positive/],
  ]
  for (const [name, line, reason] of heldCases) {
    it(`holds ${name}`, () => {
      const { observations, held } = planFxObservations([line])
      assert.deepEqual(observations, [])
      assert.match(held[0]?.reason ?? '', reason)
    })
  }

  it('never replaces a held answer with an older rate, and holds days without any rate', () => {
    const lines = [anAnswer(), anAnswer({ requested_date: '2024-01-06', status: 500 })]
    const checked = planFxObservations(lines)
    const planned = planFxRates(
      { ...meta, from: '2024-01-04', to: '2024-01-07', currencies: meta.currencies },
      checked.observations,
      checked.held,
    )
    assert.deepEqual(
      planned.rows.map((r) => r[0]),
      ['2024-01-05', '2024-01-07'],
    )
    assert.deepEqual(
      planned.held.map((h) => h.reason),
      [
        'no GBP rates on or before 2024-01-04 in this batch',
        'no EUR rates on or before 2024-01-04 in this batch',
        'no EUR rates on or before 2024-01-05 in this batch',
        'no EUR rates on or before 2024-01-06 in this batch',
        'no EUR rates on or before 2024-01-07 in this batch',
      ],
    )
  })

  it('holds a pair the provider left out', () => {
    const checked = planFxObservations([anAnswer({ rates: { USD: 1.27 } })])
    const planned = planFxRates(
      { ...meta, to: '2024-01-05', currencies: [meta.currencies[0]!, meta.currencies[1]!] },
      checked.observations,
    )
    assert.match(planned.held[0]?.reason ?? '', /no GBP->EUR rate/)
  })

  it('looks back a week for the rate in force before a range', () => {
    assert.deepEqual(planCarryInDays('2024-01-01'), [
      '2023-12-31',
      '2023-12-30',
      '2023-12-29',
      '2023-12-28',
      '2023-12-27',
      '2023-12-26',
      '2023-12-25',
    ])
  })
})
