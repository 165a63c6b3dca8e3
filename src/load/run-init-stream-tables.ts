/**
 * The stream ledger and the stream tables (fact_fx_rate, each dataset's table) are created by the first
 * batch that needs them, and after that never touched: the DDL runs only for what is missing, so the
 * role that loads the streams needs no CREATE privilege once the tables exist.
 */
import type { StreamTable } from '../core/stream-catalogue.ts'
import type { Database, SqlSession } from '../io/database.ts'
import { type ExistingStreamTables, planStreamTablesDdl } from './stream-ddl.ts'
import { LOAD_LOCK_KEY } from './warehouse-ddl.ts'

/** Creates the stream ledger and the given tables when missing (idempotent, under the load lock). */
export async function runInitStreamTables(db: Database, tables: readonly StreamTable[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOAD_LOCK_KEY])
    await runEnsureStreamTables(tx, tables)
  })
}

/** Inside a transaction holding the load lock: runs only the DDL the warehouse lacks. */
export async function runEnsureStreamTables(tx: SqlSession, tables: readonly StreamTable[]): Promise<void> {
  const existing = await runReadExistingStreamTables(
    tx,
    tables.map((t) => t.name),
  )
  for (const ddl of planStreamTablesDdl(tables, existing)) await tx.exec(ddl)
}

/** Whether the stream ledger exists, and the columns of those of the tables that exist. */
async function runReadExistingStreamTables(
  tx: SqlSession,
  names: readonly string[],
): Promise<ExistingStreamTables> {
  const [ledger] = await tx.query<{ ok: boolean }>(
    "SELECT to_regclass('etl.stream_ledger') IS NOT NULL AS ok",
  )
  // The same name resolution as the DDL's unqualified, quoted names: the search path.
  const rows = await tx.query<{ table_name: string; column_name: string }>(
    `SELECT t.name AS table_name, a.attname AS column_name
     FROM unnest($1::text[]) AS t(name)
     JOIN pg_attribute AS a ON a.attrelid = to_regclass(quote_ident(t.name)) AND a.attnum > 0 AND NOT a.attisdropped`,
    [names],
  )
  const columns = new Map<string, Set<string>>()
  for (const row of rows)
    columns.set(row.table_name, (columns.get(row.table_name) ?? new Set()).add(row.column_name))
  return { ledger: ledger?.ok === true, columns }
}
