/**
 * Loads the real snapshot of the source (data/totesys-snapshot-2024-02-23, CSV with a header, NULL =
 * unquoted empty field) into a database that has the totesys schema, then moves every id sequence past it.
 */
import { createReadStream } from 'node:fs'
import { SOURCE_CATALOGUE, SOURCE_TABLES, type SourceTable, sourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import type { Database } from '../io/database.ts'
import { projectFile } from '../io/project-file.ts'

/** The real snapshot's folder (data/ beside the code: the simulator and the tests read it, no Lambda does). */
export function snapshotDir(): string {
  return projectFile('data/totesys-snapshot-2024-02-23')
}

/** Tables in an order that satisfies the foreign keys. */
export const LOAD_ORDER: readonly SourceTable[] = [
  'address',
  'currency',
  'department',
  'design',
  'payment_type',
  'counterparty',
  'staff',
  'sales_order',
  'purchase_order',
  'transaction',
  'payment',
]

/** Loads every table's CSV from a folder (the real snapshot by default) in one transaction. */
export async function runLoadSnapshot(
  db: Database,
  dir: string = snapshotDir(),
): Promise<Record<SourceTable, number>> {
  return db.transaction(async (tx) => {
    for (const table of LOAD_ORDER) {
      const def = sourceTable(table)
      const columns = def.columns.map((c) => quoteIdent(c.name)).join(', ')
      await tx.copyIn(
        `COPY ${quoteIdent(table)} (${columns}) FROM STDIN (FORMAT csv, HEADER true)`,
        createReadStream(`${dir}/${table}.csv`),
      )
    }
    await resetSequences(tx)
    const counts = {} as Record<SourceTable, number>
    for (const table of SOURCE_TABLES) {
      const [row] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(table)}`)
      counts[table] = row?.n ?? 0
    }
    return counts
  })
}

/** Moves each table's id sequence past its largest id, as after the application's own inserts. */
export async function resetSequences(db: Pick<Database, 'query'>): Promise<void> {
  for (const def of SOURCE_CATALOGUE) {
    await db.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quoteIdent(def.primaryKey)}) FROM ${quoteIdent(def.name)}), 0) + 1, false)`,
      [quoteIdent(def.name), def.primaryKey],
    )
  }
}

/** COPYs some tables' CSVs from a snapshot folder, in the order given (the seed reuses the lookups). */
export async function runCopySnapshotTables(
  db: Pick<Database, 'copyIn'>,
  tables: readonly SourceTable[],
  dir: string = snapshotDir(),
): Promise<void> {
  for (const table of tables) {
    const columns = sourceTable(table)
      .columns.map((c) => quoteIdent(c.name))
      .join(', ')
    await db.copyIn(
      `COPY ${quoteIdent(table)} (${columns}) FROM STDIN (FORMAT csv, HEADER true)`,
      createReadStream(`${dir}/${table}.csv`),
    )
  }
}
