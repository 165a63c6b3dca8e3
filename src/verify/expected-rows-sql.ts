/**
 * What the warehouse should hold, computed on the SOURCE with SQL written independently of the transform:
 * the spec's mapping (../sql and the data contract) restated, so a bug in one is caught by the other.
 *
 * Every query takes $1 = the loaded watermarks as JSON ({table: 'YYYY-MM-DD HH:MM:SS.mmm'}) and
 * $2 = the extract lag in milliseconds, and adds two flags per row:
 * - `_fresh`: every source row it derives from is at or before its table's watermark (else it is lag);
 * - `_pending`: newer than watermark - lag: a late commit may still be on its way (not an error yet).
 */
import type { WarehouseTable } from '../core/warehouse-catalogue.ts'

const wm = (table: string) => `($1::jsonb->>'${table}')::timestamp`
const fresh = (...pairs: [alias: string, table: string][]) =>
  pairs.map(([alias, table]) => `coalesce(${alias}.last_updated <= ${wm(table)}, false)`).join(' AND ')
const pending = (alias: string, table: string) =>
  `coalesce(${alias}.last_updated > ${wm(table)} - $2::int * interval '1 millisecond', true)`
const date = (expr: string) => `to_char(${expr}, 'YYYY-MM-DD')`
const time = (expr: string) => `to_char(${expr}, 'HH24:MI:SS.MS')`

/** The expected rows of each warehouse table but dim_date (checked by coverage) and dim_currency's name. */
export const EXPECTED_ROWS_SQL: Readonly<Record<Exclude<WarehouseTable, 'dim_date'>, string>> = {
  dim_staff: `SELECT s.staff_id, s.first_name, s.last_name, d.department_name, d.location, s.email_address,
      ${fresh(['s', 'staff'], ['d', 'department'])} AS _fresh, ${pending('s', 'staff')} AS _pending
    FROM staff s JOIN department d ON d.department_id = s.department_id`,
  dim_location: `SELECT a.address_id AS location_id, a.address_line_1, a.address_line_2, a.district, a.city,
      a.postal_code, a.country, a.phone, ${fresh(['a', 'address'])} AS _fresh, ${pending('a', 'address')} AS _pending
    FROM address a`,
  dim_currency: `SELECT c.currency_id, c.currency_code, NULL::text AS currency_name,
      ${fresh(['c', 'currency'])} AS _fresh, ${pending('c', 'currency')} AS _pending
    FROM currency c`,
  dim_design: `SELECT g.design_id, g.design_name, g.file_location, g.file_name,
      ${fresh(['g', 'design'])} AS _fresh, ${pending('g', 'design')} AS _pending
    FROM design g`,
  dim_counterparty: `SELECT c.counterparty_id, c.counterparty_legal_name,
      a.address_line_1 AS counterparty_legal_address_line_1, a.address_line_2 AS counterparty_legal_address_line_2,
      a.district AS counterparty_legal_district, a.city AS counterparty_legal_city,
      a.postal_code AS counterparty_legal_postal_code, a.country AS counterparty_legal_country,
      a.phone AS counterparty_legal_phone_number,
      ${fresh(['c', 'counterparty'], ['a', 'address'])} AS _fresh, ${pending('c', 'counterparty')} AS _pending
    FROM counterparty c JOIN address a ON a.address_id = c.legal_address_id`,
  dim_payment_type: `SELECT p.payment_type_id, p.payment_type_name::text AS payment_type_name,
      ${fresh(['p', 'payment_type'])} AS _fresh, ${pending('p', 'payment_type')} AS _pending
    FROM payment_type p`,
  dim_transaction: `SELECT t.transaction_id, t.transaction_type::text AS transaction_type, t.sales_order_id,
      t.purchase_order_id, ${fresh(['t', 'transaction'])} AS _fresh, ${pending('t', 'transaction')} AS _pending
    FROM "transaction" t`,
  fact_sales_order: `SELECT o.sales_order_id, ${date('o.created_at')} AS created_date, ${time('o.created_at')} AS created_time,
      ${date('o.last_updated')} AS last_updated_date, ${time('o.last_updated')} AS last_updated_time,
      o.staff_id AS sales_staff_id, o.counterparty_id, o.units_sold, o.unit_price::text AS unit_price, o.currency_id,
      o.design_id, o.agreed_payment_date::date::text AS agreed_payment_date,
      o.agreed_delivery_date::date::text AS agreed_delivery_date, o.agreed_delivery_location_id,
      ${fresh(['o', 'sales_order'])} AS _fresh, ${pending('o', 'sales_order')} AS _pending
    FROM sales_order o`,
  fact_purchase_orders: `SELECT o.purchase_order_id, ${date('o.created_at')} AS created_date, ${time('o.created_at')} AS created_time,
      ${date('o.last_updated')} AS last_updated_date, ${time('o.last_updated')} AS last_updated_time,
      o.staff_id, o.counterparty_id, o.item_code, o.item_quantity, o.item_unit_price::text AS item_unit_price,
      o.currency_id, o.agreed_delivery_date::date::text AS agreed_delivery_date,
      o.agreed_payment_date::date::text AS agreed_payment_date, o.agreed_delivery_location_id,
      ${fresh(['o', 'purchase_order'])} AS _fresh, ${pending('o', 'purchase_order')} AS _pending
    FROM purchase_order o`,
  fact_payment: `SELECT p.payment_id, ${date('p.created_at')} AS created_date, ${time('p.created_at')} AS created_time,
      ${date('p.last_updated')} AS last_updated_date, ${time('p.last_updated')} AS last_updated_time,
      p.transaction_id, p.counterparty_id, p.payment_amount::text AS payment_amount, p.currency_id,
      p.payment_type_id, p.paid, p.payment_date::date::text AS payment_date,
      ${fresh(['p', 'payment'])} AS _fresh, ${pending('p', 'payment')} AS _pending
    FROM payment p`,
}
