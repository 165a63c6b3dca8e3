import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Change, PAY_WINDOW, planChange, type SimState, UPDATABLE_TABLES } from './plan-change.ts'
import { mulberry32 } from './prng.ts'

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)
const aState = (): SimState => ({
  ids: {
    address: range(30),
    counterparty: range(20),
    currency: [1, 2, 3],
    department: range(8),
    design: [3, 7],
    staff: range(20),
  },
  maxPaymentId: 9899,
})
const plan = (seed: number, n: number): Change[] => {
  const rng = mulberry32(seed)
  const state = aState()
  return Array.from({ length: n }, () => planChange(rng, state))
}

describe('planChange', () => {
  it('is deterministic for a seed', () => {
    assert.deepEqual(plan(1, 200), plan(1, 200))
    assert.notDeepEqual(plan(1, 200), plan(2, 200))
  })
  it('mixes orders, payments and lookup edits in the documented shares', () => {
    const changes = plan(4, 10_000)
    const share = (kind: Change['kind']) => changes.filter((c) => c.kind === kind).length / changes.length
    assert.ok(Math.abs(share('sale') - 0.45) < 0.03)
    assert.ok(Math.abs(share('purchase') - 0.2) < 0.03)
    assert.ok(Math.abs(share('pay') - 0.3) < 0.03)
    assert.ok(Math.abs(share('update') - 0.05) < 0.015)
    const tables = new Set(changes.flatMap((c) => (c.kind === 'update' ? [c.table] : [])))
    assert.deepEqual([...tables].sort(), [...UPDATABLE_TABLES])
  })
  it('refers only to known ids, pays recent payments, and prices exactly', () => {
    const state = aState()
    for (const change of plan(5, 3000)) {
      if (change.kind === 'pay') {
        assert.ok(
          change.fromPaymentId > state.maxPaymentId - PAY_WINDOW &&
            change.fromPaymentId <= state.maxPaymentId,
        )
      } else if (change.kind === 'update') {
        assert.ok(state.ids[change.table].includes(change.id))
        assert.equal(Object.keys(change.set).length, 1)
      } else {
        assert.ok(state.ids.staff.includes(change.staffId) && state.ids.address.includes(change.locationId))
        assert.ok(change.deliveryDays >= 0 && change.deliveryDays <= 7 && change.paymentDays <= 6)
        const units = change.kind === 'sale' ? change.unitsSold : change.quantity
        assert.equal(
          BigInt(change.amount.replace('.', '')),
          BigInt(units) * BigInt(change.unitPrice.replace('.', '')),
        )
        if (change.kind === 'sale') assert.ok([3, 7].includes(change.designId))
        else assert.match(change.itemCode, /^[A-Z0-9]{7}$/)
      }
    }
  })
  it('never pays below id 1 on an almost empty database', () => {
    const rng = mulberry32(8)
    const state = { ...aState(), maxPaymentId: 0 }
    for (let i = 0; i < 500; i++) {
      const change = planChange(rng, state)
      if (change.kind === 'pay') assert.equal(change.fromPaymentId, 1)
    }
  })
})
