/** `init`: creates the warehouse tables that are missing and the load bookkeeping, idempotently. */
import { PURCHASE_FACT_TABLES, type PurchaseFactTable } from '../config.ts'
import { ConfigError } from '../core/errors.ts'
import { WAREHOUSE_CATALOGUE, WAREHOUSE_TABLES } from '../core/warehouse-catalogue.ts'
import type { Database, SqlSession } from '../io/database.ts'
import { readWarehouseSql } from '../io/warehouse-db.ts'
import { STREAM_LEDGER_DDL } from './stream-ddl.ts'
import {
  BOOKKEEPING_DDL,
  LOAD_LOCK_KEY,
  PAYMENT_DATE_INDEX_DDL,
  toFactVersionIndexDdl,
  toWarehouseDdl,
} from './warehouse-ddl.ts'
import { toPhysicalTable } from './warehouse-names.ts'

export interface InitResult {
  /** Physical tables this run created (empty against a prepared warehouse). */
  readonly createdTables: readonly string[]
}

/** The physical tables of a list that exist (on the search path). */
export async function runReadExistingTables(db: SqlSession, tables: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    'SELECT t.name FROM unnest($1::text[]) AS t(name) WHERE to_regclass(quote_ident(t.name)) IS NOT NULL',
    [tables],
  )
  return rows.map((row) => row.name)
}

/** Fails with a clear message when an existing warehouse table lacks a catalogue column. */
async function runCheckColumns(tx: SqlSession, purchaseFactTable: PurchaseFactTable): Promise<void> {
  for (const table of WAREHOUSE_TABLES) {
    const physical = toPhysicalTable(table, purchaseFactTable)
    const rows = await tx.query<{ name: string }>(
      `SELECT attname AS name FROM pg_attribute
       WHERE attrelid = to_regclass(quote_ident($1)) AND attnum > 0 AND NOT attisdropped`,
      [physical],
    )
    const present = new Set(rows.map((row) => row.name))
    const missing = WAREHOUSE_CATALOGUE[table].columns.map((c) => c.name).filter((name) => !present.has(name))
    if (missing.length > 0) {
      throw new ConfigError(
        `warehouse table ${physical} lacks columns ${missing.join(', ')}: it does not match sql/warehouse.sql; check PURCHASE_FACT_TABLE and the warehouse`,
        { stage: 'init', table: physical },
      )
    }
  }
}

/**
 * Creates the warehouse of sql/warehouse.sql where tables are missing (plus a version index on each fact
 * it creates), and the `etl` bookkeeping (load and stream ledgers). Against a prepared warehouse it adds
 * only the bookkeeping.
 */
export async function runInitWarehouse(
  db: Database,
  options: { purchaseFactTable: PurchaseFactTable },
): Promise<InitResult> {
  const ddl = toWarehouseDdl(await readWarehouseSql(), options.purchaseFactTable)
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOAD_LOCK_KEY])
    const physical = WAREHOUSE_TABLES.map((table) => toPhysicalTable(table, options.purchaseFactTable))
    const existing = new Set(await runReadExistingTables(tx, physical))
    const other = PURCHASE_FACT_TABLES.find((name) => name !== options.purchaseFactTable) as string
    if (!existing.has(options.purchaseFactTable) && (await runReadExistingTables(tx, [other])).length > 0) {
      throw new ConfigError(
        `the warehouse has ${other} but PURCHASE_FACT_TABLE says ${options.purchaseFactTable}: set PURCHASE_FACT_TABLE=${other}`,
        { stage: 'init', table: other },
      )
    }
    const created = physical.filter((name) => !existing.has(name))
    if (created.length > 0) {
      await tx.exec(ddl)
      for (const table of WAREHOUSE_TABLES) {
        const name = toPhysicalTable(table, options.purchaseFactTable)
        if (WAREHOUSE_CATALOGUE[table].kind === 'fact' && created.includes(name)) {
          await tx.exec(toFactVersionIndexDdl(table, name))
        }
        if (table === 'fact_payment' && created.includes(name)) await tx.exec(PAYMENT_DATE_INDEX_DDL)
      }
    }
    await runCheckColumns(tx, options.purchaseFactTable)
    await tx.exec(BOOKKEEPING_DDL)
    // The stream ledger too, as the owner: the FX and datasets roles then never need CREATE outside public.
    await tx.exec(STREAM_LEDGER_DDL)
    return { createdTables: created }
  })
}
