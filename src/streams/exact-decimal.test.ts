import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addDays, daysBetween, isDay } from '../core/civil-date.ts'
import { toExactDecimal } from './exact-decimal.ts'

describe('exact-decimal', () => {
  const cases: [unknown, string | RegExp][] = [
    [1.2698, '1.2698'],
    [0.78755, '0.78755'],
    [163.95, '163.95'],
    [-3, '-3'],
    ['10.50', '10.50'],
    [' 2 ', '2'],
    ['0.12345678901', /more than 10 decimal places/],
    ['0.12345678900', '0.12345678900'],
    [1e21, /plain decimal notation/],
    [1e-7, /plain decimal notation/],
    [Number('12345678901234.5678'), /more than 15 significant digits/],
    ['1,5', /is not a decimal/],
    ['1e3', /is not a decimal/],
    [Number.NaN, /finite/],
    [null, /got null/],
    [true, /got boolean/],
    ['1'.repeat(29), /more than 28 integer digits/],
  ]
  for (const [value, want] of cases) {
    it(`reads ${JSON.stringify(value) ?? String(value)}`, () => {
      const got = toExactDecimal(value)
      if (typeof want === 'string') assert.deepEqual(got, { ok: true, text: want })
      else assert.ok(!got.ok && want.test(got.reason), JSON.stringify(got))
    })
  }

  it('does calendar arithmetic in UTC, with real days only', () => {
    assert.equal(addDays('2024-02-28', 1), '2024-02-29')
    assert.equal(addDays('2024-03-01', -1), '2024-02-29')
    assert.equal(addDays('2023-12-31', 1), '2024-01-01')
    assert.deepEqual(daysBetween('2024-01-06', '2024-01-08'), ['2024-01-06', '2024-01-07', '2024-01-08'])
    assert.deepEqual(daysBetween('2024-01-08', '2024-01-06'), [])
    assert.equal(isDay('2024-02-29'), true)
    assert.equal(isDay('2023-02-29'), false)
    assert.equal(isDay('2024-1-01'), false)
    assert.throws(() => addDays('soon', 1), /not a day/)
  })
})
