/**
 * Writes one planned change the way the application does: one transaction per business event, every
 * row stamped with `last_updated = localtimestamp(3)` under `SET LOCAL TimeZone = 'UTC'`, so the stamp is
 * naive UTC wall time and equals the `created_at` default (CURRENT_TIMESTAMP in the session zone).
 */
import { sourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import type { Database, SqlSession } from '../io/database.ts'
import type { Change } from './plan-change.ts'

/** The database clock every simulated write uses, in naive UTC with millisecond precision. */
export const NOW = 'localtimestamp(3)'
const dayText = (param: string) => `to_char(${NOW}::date + ${param}::int, 'YYYY-MM-DD')`

export interface Applied {
  /** False when a payment to pay was not found (every candidate was paid already). */
  readonly applied: boolean
  /** The id of the payment written, for inserts and payments paid. */
  readonly paymentId?: number
}

/** Applies one change in its own transaction. */
export async function runApplyChange(db: Database, change: Change): Promise<Applied> {
  return db.transaction(async (tx) => {
    await tx.exec(`SET LOCAL TimeZone = 'UTC'`)
    switch (change.kind) {
      case 'sale':
      case 'purchase':
        return { applied: true, paymentId: await insertOrder(tx, change) }
      case 'pay': {
        const rows = await tx.query<{ id: number }>(
          `UPDATE payment SET paid = true, last_updated = ${NOW}
           WHERE payment_id = (SELECT payment_id FROM payment WHERE NOT paid AND payment_id >= $1
                               ORDER BY payment_id LIMIT 1)
           RETURNING payment_id AS id`,
          [change.fromPaymentId],
        )
        return rows[0] ? { applied: true, paymentId: rows[0].id } : { applied: false }
      }
      case 'update': {
        const def = sourceTable(change.table)
        const known = new Set(def.columns.map((c) => c.name))
        const columns = Object.keys(change.set).filter((c) => known.has(c))
        const sets = columns.map((c, i) => `${quoteIdent(c)} = $${i + 2}`).concat(`last_updated = ${NOW}`)
        const rows = await tx.query(
          `UPDATE ${quoteIdent(def.name)} SET ${sets.join(', ')} WHERE ${quoteIdent(def.primaryKey)} = $1 RETURNING 1`,
          [change.id, ...columns.map((c) => change.set[c])],
        )
        return { applied: rows.length > 0 }
      }
    }
  })
}

/** An order, its transaction and its payment (unpaid, due on the agreed payment date); returns the payment id. */
async function insertOrder(
  tx: SqlSession,
  change: Extract<Change, { kind: 'sale' | 'purchase' }>,
): Promise<number> {
  const sale = change.kind === 'sale'
  const common = [
    change.staffId,
    change.counterpartyId,
    change.currencyId,
    change.deliveryDays,
    change.paymentDays,
  ]
  const [order] = sale
    ? await tx.query<{ id: number; due: string }>(
        `INSERT INTO sales_order (last_updated, staff_id, counterparty_id, currency_id, agreed_delivery_date,
           agreed_payment_date, agreed_delivery_location_id, design_id, units_sold, unit_price)
         VALUES (${NOW}, $1, $2, $3, ${dayText('$4')}, ${dayText('$5')}, $6, $7, $8, $9::numeric)
         RETURNING sales_order_id AS id, agreed_payment_date AS due`,
        [...common, change.locationId, change.designId, change.unitsSold, change.unitPrice],
      )
    : await tx.query<{ id: number; due: string }>(
        `INSERT INTO purchase_order (last_updated, staff_id, counterparty_id, currency_id, agreed_delivery_date,
           agreed_payment_date, agreed_delivery_location_id, item_code, item_quantity, item_unit_price)
         VALUES (${NOW}, $1, $2, $3, ${dayText('$4')}, ${dayText('$5')}, $6, $7, $8, $9::numeric)
         RETURNING purchase_order_id AS id, agreed_payment_date AS due`,
        [...common, change.locationId, change.itemCode, change.quantity, change.unitPrice],
      )
  if (!order) throw new Error('INSERT … RETURNING gave no row')
  const [transaction] = await tx.query<{ id: number }>(
    `INSERT INTO "transaction" (transaction_type, sales_order_id, purchase_order_id, last_updated)
     VALUES ($1::"TransactionType", $2::int, $3::int, ${NOW}) RETURNING transaction_id AS id`,
    [sale ? 'SALE' : 'PURCHASE', sale ? order.id : null, sale ? null : order.id],
  )
  const [payment] = await tx.query<{ id: number }>(
    `INSERT INTO payment (last_updated, transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id,
       paid, payment_date, company_ac_number, counterparty_ac_number)
     VALUES (${NOW}, $1, $2, $3::numeric, $4,
       (SELECT payment_type_id FROM payment_type WHERE payment_type_name = $5::"PaymentTypeName"),
       false, $6, $7, $8)
     RETURNING payment_id AS id`,
    [transaction?.id, change.counterpartyId, change.amount, change.currencyId].concat([
      sale ? 'SALES_RECEIPT' : 'PURCHASE_PAYMENT',
      order.due,
      ...change.accounts,
    ]),
  )
  if (!payment) throw new Error('INSERT … RETURNING gave no row')
  return payment.id
}
