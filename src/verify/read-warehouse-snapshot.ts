/**
 * The warehouse side of verify, read in ONE snapshot (a REPEATABLE READ READ ONLY transaction): the load
 * ledger (which batches, which watermarks), every table's rows and dim_date's coverage. A load committing
 * meanwhile is invisible to it, so the ledger and the rows always agree with each other.
 */
import type { PurchaseFactTable } from '../config.ts'
import type { SourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import {
  WAREHOUSE_TABLES,
  type WarehouseColumn,
  type WarehouseTable,
  warehouseTable,
} from '../core/warehouse-catalogue.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { runReadLedgerBatchIds, runReadLoadedWatermarks } from '../load/load-ledger.ts'
import { toPhysicalTable } from '../load/warehouse-names.ts'
import { runCopyToScratch } from './copy-to-scratch.ts'
import { runCountRows, runInSavepoint } from './savepoint.ts'
import type { VerifyProgress } from './verify-progress.ts'
import { type DateCoverage, runReadDateCoverage, textOf } from './verify-warehouse.ts'

export interface WarehouseSnapshot {
  readonly batchIds: readonly string[]
  readonly watermarks: Partial<Record<SourceTable, string>>
  /** Rows per table, for the tables that could be read. */
  readonly rows: Partial<Record<WarehouseTable, number>>
  /** Scratch keys of each readable table's rows (CSV, catalogue columns as text). */
  readonly files: Partial<Record<WarehouseTable, string>>
  /** Tables that could not be read, and why. */
  readonly problems: Partial<Record<WarehouseTable, string>>
  readonly coverage: DateCoverage | null
  /** Source rows recorded as deleted (etl.source_deletes, logical mode): `[source table, key]`. */
  readonly deletes: readonly (readonly [string, number])[]
}

/** The scratch key of a warehouse table's rows. */
export const warehouseScratchKey = (table: WarehouseTable) => `warehouse/${table}.csv`

/**
 * A column as the scratch file holds it for DuckDB (which types it, duck-tables.ts): as `textOf` says,
 * but a time as PostgreSQL prints it (`10:00:00.12`, whatever DateStyle says), which DuckDB reads as the
 * same TIME as to_char's `10:00:00.120000`, without to_char's cost (~half of a fact table's COPY).
 */
function toScratchText(column: WarehouseColumn): string {
  return column.type === 'time' ? quoteIdent(column.name) : textOf(column)
}

/** Reads the ledger and every warehouse table in one snapshot; table rows go to scratch files. */
export async function runReadWarehouseSnapshot(
  db: Database,
  input: { purchaseFactTable: PurchaseFactTable; scratch: ObjectStore; progress: VerifyProgress },
): Promise<WarehouseSnapshot> {
  const { purchaseFactTable, scratch, progress } = input
  return db.transaction(
    async (tx) => {
      const batchIds = await runReadLedgerBatchIds(tx)
      const watermarks = await runReadLoadedWatermarks(tx)
      const counted = await runCountRows(
        tx,
        WAREHOUSE_TABLES.map(
          (table) => [table, quoteIdent(toPhysicalTable(table, purchaseFactTable))] as const,
        ),
      )
      const rows = counted.counts
      const problems: Partial<Record<WarehouseTable, string>> = {}
      for (const [table, reason] of Object.entries(counted.problems) as [WarehouseTable, string][])
        problems[table] = `the warehouse table cannot be read: ${reason}`
      progress.phase(
        'warehouse',
        Object.values(rows).reduce((a, b) => a + b, 0),
        'rows',
      )
      const files: Partial<Record<WarehouseTable, string>> = {}
      for (const table of WAREHOUSE_TABLES) {
        if (rows[table] === undefined) continue
        const def = warehouseTable(table)
        const select = `SELECT ${def.columns.map((c) => `${toScratchText(c)} AS ${quoteIdent(c.name)}`).join(', ')}
          FROM ${quoteIdent(toPhysicalTable(table, purchaseFactTable))}`
        const copied = await runInSavepoint(tx, () =>
          runCopyToScratch(tx, select, scratch, warehouseScratchKey(table), progress),
        )
        if (copied.ok) files[table] = warehouseScratchKey(table)
        else problems[table] = `the warehouse table cannot be read: ${copied.reason}`
      }
      const coverage = await runInSavepoint(tx, () => runReadDateCoverage(tx, purchaseFactTable))
      // Absent unless logical mode ever ran: then nothing was deleted as far as the pipeline knows.
      const deleted = await runInSavepoint(tx, () =>
        tx.query<{ t: string; k: number }>(
          'SELECT DISTINCT source_table AS t, source_key AS k FROM etl.source_deletes',
        ),
      )
      return {
        batchIds,
        watermarks,
        rows,
        files,
        problems,
        coverage: coverage.ok ? coverage.value : null,
        deletes: deleted.ok ? deleted.value.map((r) => [r.t, r.k] as const) : [],
      }
    },
    { isolation: 'repeatable read', readOnly: true },
  )
}
