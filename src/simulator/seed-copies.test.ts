import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sourceTable } from '../core/source-catalogue.ts'
import { planSeed } from './plan-seed.ts'
import { planSeedCopies, seedRowCount, toCsv } from './seed-copies.ts'

describe('toCsv', () => {
  it('writes NULL as an empty field and quotes what needs it', () => {
    assert.equal(toCsv([['1', null, 'a,b', 'say "hi"', '', 'x\ny']]), '1,,"a,b","say ""hi""","","x\ny"\n')
    assert.equal(toCsv([]), '')
  })
})

describe('planSeedCopies', () => {
  it('batches every generated row in foreign-key order, with the catalogue columns', () => {
    const plan = planSeed({ scale: 2.5, seed: 3 })
    const seen = new Map<string, number>()
    const order: string[] = []
    let lastTransaction = 0
    for (const batch of planSeedCopies(plan)) {
      assert.deepEqual(
        batch.columns,
        sourceTable(batch.table).columns.map((c) => c.name),
      )
      assert.equal(batch.text.split('\n').length - 1, batch.rows)
      assert.ok(batch.rows > 0 && batch.rows <= 10_000)
      seen.set(batch.table, (seen.get(batch.table) ?? 0) + batch.rows)
      if (order.at(-1) !== batch.table) order.push(batch.table)
      // Payments of a chunk only after that chunk's transactions.
      if (batch.table === 'transaction')
        lastTransaction = Number(batch.text.split('\n').at(-2)?.split(',')[0])
      if (batch.table === 'payment') {
        const ids = batch.text
          .trim()
          .split('\n')
          .map((line) => Number(line.split(',')[3]))
        assert.ok(Math.max(...ids) <= lastTransaction)
      }
    }
    assert.equal(order[0], 'design')
    assert.deepEqual(order.slice(1, 5), ['sales_order', 'purchase_order', 'transaction', 'payment'])
    assert.deepEqual(Object.fromEntries(seen), {
      design: 810,
      sales_order: 17_353,
      purchase_order: 7395,
      transaction: 24_748,
      payment: 24_748,
    })
    assert.equal(seedRowCount(plan), 810 + 17_353 + 7395 + 2 * 24_748)
  })
  it('gives byte-identical text for the same seed', () => {
    const text = (seed: number) =>
      [...planSeedCopies(planSeed({ scale: 0.05, seed }))].map((c) => c.text).join('')
    assert.equal(text(9), text(9))
    assert.notEqual(text(9), text(10))
  })
})
