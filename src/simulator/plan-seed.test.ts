import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isWeekend } from './civil-time.ts'
import {
  businessIndexOf,
  businessTimestamp,
  dayOfBusinessIndex,
  planSeed,
  toBusinessMoment,
} from './plan-seed.ts'

describe('planSeed', () => {
  for (const [scale, designs, sales, purchases] of [
    [1, 324, 6941, 2958],
    [0.1, 32, 694, 296],
    [100, 32_400, 694_100, 295_800],
    [0.0001, 1, 1, 0],
  ] as const) {
    it(`sizes scale ${scale}: ${designs} designs, ${sales} sales, ${purchases} purchases`, () => {
      const plan = planSeed({ scale, seed: 1 })
      assert.deepEqual([plan.designs, plan.salesOrders, plan.purchaseOrders], [designs, sales, purchases])
      assert.equal(plan.orders, sales + purchases)
    })
  }
  for (const bad of [0, -1, Number.NaN, 1001, Number.POSITIVE_INFINITY]) {
    it(`refuses scale ${bad}`, () => assert.throws(() => planSeed({ scale: bad, seed: 1 }), /--scale/))
  }
  it('refuses a seed that is not an integer', () =>
    assert.throws(() => planSeed({ scale: 1, seed: 1.5 }), /--seed/))
  it('refuses a range without a weekday', () => {
    assert.throws(
      () => planSeed({ scale: 1, seed: 1, firstDay: '2024-02-24', lastDay: '2024-02-25' }),
      /weekday/,
    )
  })
  it('spans the weekdays of the snapshot, 11 office hours each', () => {
    const plan = planSeed({ scale: 1, seed: 1 })
    assert.equal(plan.businessMs, plan.businessDays * 11 * 3_600_000)
    assert.equal(businessTimestamp(plan, 0), '2022-11-04 08:00:00.000')
    assert.equal(businessTimestamp(plan, plan.businessMs - 1), '2024-02-23 18:59:59.999')
    assert.equal(businessTimestamp(plan, 11 * 3_600_000), '2022-11-07 08:00:00.000')
  })
})

describe('the business calendar', () => {
  it('maps business indexes to weekdays and back', () => {
    for (let index = 13_000; index < 13_100; index++) {
      const day = dayOfBusinessIndex(index)
      assert.equal(isWeekend(day), false)
      assert.equal(businessIndexOf(day), index)
      assert.equal(dayOfBusinessIndex(index + 1) > day, true)
    }
  })
  it('puts every moment on a weekday in office hours', () => {
    const plan = planSeed({ scale: 1, seed: 1 })
    for (let offset = 0; offset < plan.businessMs; offset += 7_777_777) {
      const { day, msOfDay } = toBusinessMoment(plan, offset)
      assert.equal(isWeekend(day), false)
      assert.ok(msOfDay >= 8 * 3_600_000 && msOfDay < 19 * 3_600_000)
    }
  })
})
