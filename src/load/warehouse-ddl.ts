/** The warehouse and bookkeeping DDL the loader applies, derived from the data contract (pure). */
import type { PurchaseFactTable } from '../config.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_CATALOGUE, type WarehouseTable } from '../core/warehouse-catalogue.ts'

/** The advisory lock key every loader and init takes, so they serialize (an arbitrary fixed bigint). */
export const LOAD_LOCK_KEY = '7317420001'

/** The pipeline's own schema: the load ledger (one row per loaded batch). */
export const BOOKKEEPING_DDL = `
CREATE SCHEMA IF NOT EXISTS etl;
CREATE TABLE IF NOT EXISTS etl.load_ledger (
  batch_id          text PRIMARY KEY,
  loaded_at         timestamptz NOT NULL DEFAULT now(),
  rows              jsonb NOT NULL,
  source_created_at timestamp NOT NULL,
  watermarks        jsonb NOT NULL
);
`

/**
 * sql/warehouse.sql made idempotent (CREATE TABLE IF NOT EXISTS) and, when the setting asks for it,
 * with the ERD's singular purchase fact name.
 */
export function toWarehouseDdl(contractSql: string, purchaseFactTable: PurchaseFactTable): string {
  const idempotent = contractSql.replace(/\bCREATE TABLE (?!IF NOT EXISTS)/g, 'CREATE TABLE IF NOT EXISTS ')
  return purchaseFactTable === 'fact_purchase_orders'
    ? idempotent
    : idempotent.replace(/\bfact_purchase_orders\b/g, purchaseFactTable)
}

/**
 * The payments API's index: its queries walk fact_payment by (payment_date, payment_id) and stop after
 * five current versions, instead of ranking every payment (4.5 s per request at 1M payments → 1 ms).
 */
export const PAYMENT_DATE_INDEX_DDL =
  'CREATE INDEX IF NOT EXISTS "fact_payment_date_idx" ON "fact_payment" ("payment_date", "payment_id")'

/** An index on a fact's version key (natural id, last_updated_date, last_updated_time): makes the append's NOT EXISTS cheap. */
export function toFactVersionIndexDdl(table: WarehouseTable, physical: string): string {
  const key = WAREHOUSE_CATALOGUE[table].key
  return `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${physical}_version_idx`)} ON ${quoteIdent(physical)} (${key.map(quoteIdent).join(', ')})`
}
