/**
 * The synthetic tables as a lazy sequence of COPY batches of about 10k rows each, in an order that
 * satisfies the foreign keys: every design first, then, chunk by chunk of orders, the chunk's sales
 * orders, purchase orders, transactions and payments (a chunk's rows refer only to designs and to rows
 * of the same chunk). One generation pass, and memory bounded by one chunk at any scale, also on PGlite,
 * which holds one COPY's bytes in memory. Pure.
 */
import type { SourceTable } from '../core/source-catalogue.ts'
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
import type { SeedPlan } from './plan-seed.ts'

/** One COPY's worth of rows of one table, as CSV text. */
export interface CopyBatch {
  readonly table: SourceTable
  /** The CSV's columns, in order (the catalogue's; a unit test checks). */
  readonly columns: readonly string[]
  readonly rows: number
  readonly text: string
}

/** How many rows the plan generates in all (lookup tables aside). */
export function seedRowCount(plan: SeedPlan): number {
  return plan.designs + plan.salesOrders + plan.purchaseOrders + 2 * plan.orders
}

/** Order chunks per COPY batch: about 10k orders, 7k sales orders, a few MB of text. */
export const CHUNKS_PER_COPY = 5

/** Every generated row, batch by batch, in foreign-key order. */
export function* planSeedCopies(plan: SeedPlan): Generator<CopyBatch> {
  const perCopy = ORDER_CHUNK * CHUNKS_PER_COPY
  for (let first = 1; first <= plan.designs; first += perCopy) {
    const last = Math.min(plan.designs, first + perCopy - 1)
    yield batch('design', DESIGN_COLUMNS, [toCsv(generateDesignRows(plan, first, last))], last - first + 1)
  }
  const chunks = orderChunkCount(plan)
  for (let group = 0; group < chunks; group += CHUNKS_PER_COPY) {
    const texts = {
      sales: [] as string[],
      purchases: [] as string[],
      transactions: [] as string[],
      payments: [] as string[],
    }
    const rows = { sales: 0, purchases: 0, transactions: 0, payments: 0 }
    for (let chunk = group; chunk < Math.min(chunks, group + CHUNKS_PER_COPY); chunk++) {
      const orders = generateOrderChunk(plan, chunk)
      for (const key of ['sales', 'purchases', 'transactions', 'payments'] as const) {
        texts[key].push(toCsv(orders[key]))
        rows[key] += orders[key].length
      }
    }
    if (rows.sales > 0) yield batch('sales_order', SALES_ORDER_COLUMNS, texts.sales, rows.sales)
    if (rows.purchases > 0)
      yield batch('purchase_order', PURCHASE_ORDER_COLUMNS, texts.purchases, rows.purchases)
    yield batch('transaction', TRANSACTION_COLUMNS, texts.transactions, rows.transactions)
    yield batch('payment', PAYMENT_COLUMNS, texts.payments, rows.payments)
  }
}

function batch(
  table: SourceTable,
  columns: readonly string[],
  texts: readonly string[],
  rows: number,
): CopyBatch {
  return { table, columns, rows, text: texts.join('') }
}

/** Rows as CSV lines: NULL is an unquoted empty field; a value with a comma, quote or newline is quoted. */
export function toCsv(rows: Iterable<Row>): string {
  // An array joined once: repeated `+=` builds a rope the garbage collector then spends most of its time on.
  const lines: string[] = []
  for (const row of rows) {
    let line = ''
    for (let i = 0; i < row.length; i++)
      line += i === 0 ? csvField(row[i] ?? null) : `,${csvField(row[i] ?? null)}`
    lines.push(line)
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}

const NEEDS_QUOTES = /[",\r\n]/

function csvField(value: string | null): string {
  if (value === null) return ''
  return value === '' || NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}
