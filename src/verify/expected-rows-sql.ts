/**
 * What the warehouse should hold, computed on the SOURCE with SQL written independently of the transform:
 * the spec's mapping (../sql and the data contract) restated, so a bug in one is caught by the other.
 *
 * The queries run as `COPY (…) TO STDOUT`, which takes no bind parameters: the loaded watermarks (JSON,
 * {table: 'YYYY-MM-DD HH:MM:SS.mmm'}) and the extract lag (ms) travel as transaction-local settings,
 * set through parameters by `EXPECTED_SETTINGS_SQL`. Each query adds three columns per row:
 * - `_fresh`: every source row it derives from is at or before its table's watermark (else it is lag);
 * - `_pending`: newer than watermark - lag: a late commit may still be on its way (not an error yet);
 * - `_version`: the `last_updated` of the row of the table it is made from (its version in the lake;
 *   `infinity`/`-infinity` as such, so a version the transform holds in quarantine is found there).
 */
import type { SourceTable } from '../core/source-catalogue.ts'
import type { WarehouseTable } from '../core/warehouse-catalogue.ts'

/** The warehouse tables checked against the source (dim_date is checked by coverage instead). */
export type ExpectedTable = Exclude<WarehouseTable, 'dim_date'>

/** The source table each warehouse table is made from (one row per row of it), and its alias below. */
export const MADE_FROM: Readonly<Record<ExpectedTable, SourceTable>> = {
  dim_staff: 'staff',
  dim_location: 'address',
  dim_currency: 'currency',
  dim_design: 'design',
  dim_counterparty: 'counterparty',
  dim_payment_type: 'payment_type',
  dim_transaction: 'transaction',
  fact_sales_order: 'sales_order',
  fact_purchase_orders: 'purchase_order',
  fact_payment: 'payment',
}

/** Sets the watermarks ($1, JSON text) and the lag ($2, ms as text) for the rest of the transaction. */
export const EXPECTED_SETTINGS_SQL = `SELECT set_config('totesys_etl.verify_watermarks', $1, true),
  set_config('totesys_etl.verify_lag_ms', $2, true)`

// Whole expressions inside scalar subqueries: each is computed once per query, not once per row.
const wm = (table: SourceTable) =>
  `(SELECT (current_setting('totesys_etl.verify_watermarks')::jsonb ->> '${table}')::timestamp)`
const lag = `(SELECT current_setting('totesys_etl.verify_lag_ms')::int * interval '1 millisecond')`
const fresh = (...pairs: [alias: string, table: SourceTable][]) =>
  pairs.map(([alias, table]) => `coalesce(${alias}.last_updated <= ${wm(table)}, false)`).join(' AND ')
const flags = (alias: string, table: SourceTable, ...joined: [alias: string, table: SourceTable][]) =>
  `${fresh([alias, table], ...joined)} AS _fresh,
   coalesce(${alias}.last_updated > ${wm(table)} - ${lag}, true) AS _pending,
   ${version(`${alias}.last_updated`)} AS _version`
/*
 * Dates, times and versions as text DuckDB types (duck-tables.ts): as PostgreSQL prints them (DateStyle
 * ISO, SESSION_SQL) where that is the same value as to_char's, which costs ~3 µs a value on PGlite (a
 * third of a fact table's COPY). to_char still for a year before 1 (it drops the BC that a cast keeps)
 * and for a date or time of an infinite timestamp (to_char gives NULL; a cast 'infinity' or an error).
 * Written so that a column of another type fails (drift) on the same function as with to_char alone.
 */
const ts = (expr: string) => `${expr}::timestamp`
const version = (expr: string) =>
  `CASE WHEN NOT isfinite(${expr}) OR ${expr} >= '0001-01-01' THEN ${ts(expr)}::text
     ELSE to_char(${expr}, 'YYYY-MM-DD HH24:MI:SS.US') END`
const date = (expr: string) =>
  `CASE WHEN ${ts(expr)} >= '0001-01-01' AND isfinite(${ts(expr)}) THEN ${ts(expr)}::date::text
     ELSE to_char(${expr}, 'YYYY-MM-DD') END`
const time = (expr: string) =>
  `CASE WHEN isfinite(${ts(expr)}) THEN ${ts(expr)}::time::text ELSE to_char(${expr}, 'HH24:MI:SS.US') END`

/**
 * The expected rows of each warehouse table but dim_date, columns named as the warehouse's, values as
 * text (dim_currency's name is left null here: verify fills it from the ISO list, as the spec says).
 */
export const EXPECTED_ROWS_SQL: Readonly<Record<ExpectedTable, string>> = {
  dim_staff: `SELECT s.staff_id, s.first_name, s.last_name, d.department_name, d.location, s.email_address,
      ${flags('s', 'staff', ['d', 'department'])}
    FROM staff s JOIN department d ON d.department_id = s.department_id`,
  dim_location: `SELECT a.address_id AS location_id, a.address_line_1, a.address_line_2, a.district, a.city,
      a.postal_code, a.country, a.phone, ${flags('a', 'address')}
    FROM address a`,
  dim_currency: `SELECT c.currency_id, c.currency_code, NULL::text AS currency_name, ${flags('c', 'currency')}
    FROM currency c`,
  dim_design: `SELECT g.design_id, g.design_name, g.file_location, g.file_name, ${flags('g', 'design')}
    FROM design g`,
  dim_counterparty: `SELECT c.counterparty_id, c.counterparty_legal_name,
      a.address_line_1 AS counterparty_legal_address_line_1, a.address_line_2 AS counterparty_legal_address_line_2,
      a.district AS counterparty_legal_district, a.city AS counterparty_legal_city,
      a.postal_code AS counterparty_legal_postal_code, a.country AS counterparty_legal_country,
      a.phone AS counterparty_legal_phone_number, ${flags('c', 'counterparty', ['a', 'address'])}
    FROM counterparty c JOIN address a ON a.address_id = c.legal_address_id`,
  dim_payment_type: `SELECT p.payment_type_id, p.payment_type_name::text AS payment_type_name,
      ${flags('p', 'payment_type')}
    FROM payment_type p`,
  dim_transaction: `SELECT t.transaction_id, t.transaction_type::text AS transaction_type, t.sales_order_id,
      t.purchase_order_id, ${flags('t', 'transaction')}
    FROM "transaction" t`,
  fact_sales_order: `SELECT o.sales_order_id, ${date('o.created_at')} AS created_date, ${time('o.created_at')} AS created_time,
      ${date('o.last_updated')} AS last_updated_date, ${time('o.last_updated')} AS last_updated_time,
      o.staff_id AS sales_staff_id, o.counterparty_id, o.units_sold, o.unit_price::text AS unit_price, o.currency_id,
      o.design_id, o.agreed_payment_date::text AS agreed_payment_date,
      o.agreed_delivery_date::text AS agreed_delivery_date, o.agreed_delivery_location_id,
      ${flags('o', 'sales_order')}
    FROM sales_order o`,
  fact_purchase_orders: `SELECT o.purchase_order_id, ${date('o.created_at')} AS created_date, ${time('o.created_at')} AS created_time,
      ${date('o.last_updated')} AS last_updated_date, ${time('o.last_updated')} AS last_updated_time,
      o.staff_id, o.counterparty_id, o.item_code, o.item_quantity, o.item_unit_price::text AS item_unit_price,
      o.currency_id, o.agreed_delivery_date::text AS agreed_delivery_date,
      o.agreed_payment_date::text AS agreed_payment_date, o.agreed_delivery_location_id,
      ${flags('o', 'purchase_order')}
    FROM purchase_order o`,
  fact_payment: `SELECT p.payment_id, ${date('p.created_at')} AS created_date, ${time('p.created_at')} AS created_time,
      ${date('p.last_updated')} AS last_updated_date, ${time('p.last_updated')} AS last_updated_time,
      p.transaction_id, p.counterparty_id, p.payment_amount::text AS payment_amount, p.currency_id,
      p.payment_type_id, p.paid, p.payment_date::text AS payment_date,
      ${flags('p', 'payment')}
    FROM payment p`,
}
