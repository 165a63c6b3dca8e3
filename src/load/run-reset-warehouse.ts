/** Drops the warehouse tables (either purchase fact name) and the `etl` bookkeeping: the first step of a rebuild. */

import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_TABLES } from '../core/warehouse-catalogue.ts'
import type { Database } from '../io/database.ts'
import { LOAD_LOCK_KEY } from './warehouse-ddl.ts'

/** Drops every warehouse table and the ledger. Destroys data: only for a rebuild from the processed store. */
export async function runResetWarehouse(db: Database): Promise<void> {
  const tables = [...WAREHOUSE_TABLES, 'fact_purchase_order'].reverse()
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOAD_LOCK_KEY])
    await tx.exec(
      `DROP TABLE IF EXISTS ${tables.map(quoteIdent).join(', ')} CASCADE;
       DROP SCHEMA IF EXISTS etl CASCADE;`,
    )
  })
}
