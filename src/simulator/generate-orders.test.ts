import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sourceTable } from '../core/source-catalogue.ts'
import { isWeekend, toDayNumber } from './civil-time.ts'
import { DESIGN_COLUMNS, generateDesignRows, type Row } from './generate-designs.ts'
import {
  generateOrderChunk,
  ORDER_CHUNK,
  orderChunkCount,
  PAYMENT_COLUMNS,
  PURCHASE_ORDER_COLUMNS,
  SALES_ORDER_COLUMNS,
  TRANSACTION_COLUMNS,
} from './generate-orders.ts'
import { planSeed } from './plan-seed.ts'

const plan = planSeed({ scale: 2, seed: 11 })
const chunks = Array.from({ length: orderChunkCount(plan) }, (_, c) => generateOrderChunk(plan, c))
const all = (pick: (c: (typeof chunks)[number]) => Row[]) => chunks.flatMap(pick)
const [sales, purchases, transactions, payments] = [
  all((c) => c.sales),
  all((c) => c.purchases),
  all((c) => c.transactions),
  all((c) => c.payments),
]
const designs = [...generateDesignRows(plan)]
const cents = (money: string | null | undefined) => BigInt(String(money).replace('.', ''))
const TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

describe('synthetic orders', () => {
  it('emit the catalogue columns in its order', () => {
    for (const [table, columns] of [
      ['design', DESIGN_COLUMNS],
      ['sales_order', SALES_ORDER_COLUMNS],
      ['purchase_order', PURCHASE_ORDER_COLUMNS],
      ['transaction', TRANSACTION_COLUMNS],
      ['payment', PAYMENT_COLUMNS],
    ] as const) {
      assert.deepEqual(
        columns,
        sourceTable(table).columns.map((c) => c.name),
        table,
      )
    }
    for (const [rows, columns] of [
      [designs, DESIGN_COLUMNS],
      [sales, SALES_ORDER_COLUMNS],
      [purchases, PURCHASE_ORDER_COLUMNS],
      [transactions, TRANSACTION_COLUMNS],
      [payments, PAYMENT_COLUMNS],
    ] as const) {
      for (const row of rows) assert.equal(row.length, columns.length)
    }
  })
  it('are deterministic per seed and chunk', () => {
    assert.deepEqual(generateOrderChunk(plan, 1), chunks[1])
    assert.notDeepEqual(generateOrderChunk(planSeed({ scale: 2, seed: 12 }), 1), chunks[1])
    assert.deepEqual([...generateDesignRows(plan, 5, 9)], designs.slice(4, 9))
  })
  it('have the planned counts and contiguous ids in order across chunks', () => {
    assert.equal(chunks.length, Math.ceil((6941 * 2 + 2958 * 2) / ORDER_CHUNK))
    for (const [rows, n] of [
      [sales, 13_882],
      [purchases, 5916],
      [transactions, 19_798],
      [payments, 19_798],
      [designs, 648],
    ] as const) {
      assert.equal(rows.length, n)
      for (const [i, row] of rows.entries()) assert.equal(row[0], String(i + 1))
    }
  })
  it('link one transaction and one payment to each order, with matching amounts', () => {
    const saleById = new Map(sales.map((r) => [r[0], r]))
    const purchaseById = new Map(purchases.map((r) => [r[0], r]))
    const transactionById = new Map(transactions.map((t) => [t[0], t]))
    assert.equal(new Set(transactions.map((t) => t[2]).filter((s) => s !== null)).size, sales.length)
    assert.equal(new Set(transactions.map((t) => t[3]).filter((p) => p !== null)).size, purchases.length)
    assert.equal(new Set(payments.map((p) => p[3])).size, payments.length)
    let swapped = 0
    for (const p of payments) {
      const t = transactionById.get(p[3] ?? '')!
      if (p[0] !== p[3]) swapped++
      const sale = t[1] === 'SALE' ? saleById.get(t[2] ?? '') : undefined
      const order = sale ?? purchaseById.get(t[3] ?? '')!
      const amount = sale
        ? BigInt(String(sale[6])) * cents(sale[7])
        : BigInt(String(order[6])) * cents(order[7])
      assert.equal(cents(p[5]), amount)
      assert.equal(p[4], order[sale ? 5 : 4], 'counterparty')
      assert.equal(p[6], order[8], 'currency')
      assert.equal(p[7], sale ? '1' : '3', 'payment type')
      assert.equal(p[9], order[10], 'payment date = agreed payment date')
      assert.equal(t[4], order[1], 'transaction created with its order')
    }
    assert.ok(swapped > 0 && swapped < payments.length * 0.01, `swapped ${swapped}`)
  })
  it('refer only to lookup rows the snapshot has, and to designs already created', () => {
    const designCreated = new Map(designs.map((d) => [d[0], d[1] ?? '']))
    for (const s of sales) {
      assert.ok((designCreated.get(s[3] ?? '') ?? '~') <= (s[1] ?? ''), `design ${s[3]} of sale ${s[0]}`)
      assert.ok(Number(s[4]) >= 1 && Number(s[4]) <= 20 && Number(s[5]) >= 1 && Number(s[5]) <= 20)
      assert.ok(Number(s[8]) >= 1 && Number(s[8]) <= 3 && Number(s[11]) >= 1 && Number(s[11]) <= 30)
    }
  })
  it('are created on weekdays in office hours, in id order, with realistic values', () => {
    let previous = ''
    for (const t of transactions) {
      const created = t[4] ?? ''
      assert.match(created, TS)
      assert.ok(created >= previous)
      previous = created
      assert.equal(isWeekend(toDayNumber(created.slice(0, 10))), false)
      const hour = Number(created.slice(11, 13))
      assert.ok(hour >= 8 && hour <= 18, created)
      assert.equal(t[5], created)
    }
    for (const s of sales) {
      assert.ok(Number(s[6]) >= 1000 && Number(s[6]) <= 100_000)
      assert.ok(cents(s[7]) >= 200n && cents(s[7]) <= 400n)
      assert.match(s[9] ?? '', DATE)
      assert.ok((s[9] ?? '') >= (s[1] ?? '').slice(0, 10))
    }
    for (const p of purchases) assert.match(p[5] ?? '', /^[A-Z0-9]{7}$/)
  })
  it('pay about 60 % of payments, on a later weekday, moving last_updated', () => {
    const paid = payments.filter((p) => p[8] === 't')
    const share = paid.length / payments.length
    assert.ok(share > 0.56 && share < 0.65, `paid share ${share}`)
    for (const p of paid) {
      assert.ok((p[2] ?? '') > (p[1] ?? ''))
      assert.equal(p[2]?.slice(0, 10), p[9])
      assert.equal(isWeekend(toDayNumber(p[9] ?? '')), false)
    }
    for (const p of payments.filter((x) => x[8] === 'f')) assert.equal(p[2], p[1])
  })
})
