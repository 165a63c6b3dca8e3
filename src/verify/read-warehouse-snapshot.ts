/**
 * The warehouse side of verify, read in ONE snapshot (a REPEATABLE READ READ ONLY transaction): the load
 * ledger (which batches, which watermarks), every table's rows and dim_date's coverage. A load committing
 * meanwhile is invisible to it, so the ledger and the rows always agree with each other.
 */
import type { PurchaseFactTable } from '../config.ts'
import type { SourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_TABLES, type WarehouseTable, warehouseTable } from '../core/warehouse-catalogue.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { runReadLedgerBatchIds, runReadLoadedWatermarks } from '../load/load-ledger.ts'
import { toPhysicalTable } from '../load/warehouse-names.ts'
import { runCopyToScratch } from './copy-to-scratch.ts'
import { runInSavepoint } from './savepoint.ts'
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
}

/** The scratch key of a warehouse table's rows. */
export const warehouseScratchKey = (table: WarehouseTable) => `warehouse/${table}.csv`

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
      const rows: Partial<Record<WarehouseTable, number>> = {}
      const problems: Partial<Record<WarehouseTable, string>> = {}
      for (const table of WAREHOUSE_TABLES) {
        const physical = quoteIdent(toPhysicalTable(table, purchaseFactTable))
        const counted = await runInSavepoint(tx, () =>
          tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${physical}`),
        )
        if (counted.ok) rows[table] = counted.value[0]?.n ?? 0
        else problems[table] = `the warehouse table cannot be read: ${counted.reason}`
      }
      progress.phase(
        'warehouse',
        Object.values(rows).reduce((a, b) => a + b, 0),
        'rows',
      )
      const files: Partial<Record<WarehouseTable, string>> = {}
      for (const table of WAREHOUSE_TABLES) {
        if (rows[table] === undefined) continue
        const def = warehouseTable(table)
        const select = `SELECT ${def.columns.map((c) => `${textOf(c)} AS ${quoteIdent(c.name)}`).join(', ')}
          FROM ${quoteIdent(toPhysicalTable(table, purchaseFactTable))}`
        const copied = await runInSavepoint(tx, () =>
          runCopyToScratch(tx, select, scratch, warehouseScratchKey(table), progress),
        )
        if (copied.ok) files[table] = warehouseScratchKey(table)
        else problems[table] = `the warehouse table cannot be read: ${copied.reason}`
      }
      const coverage = await runInSavepoint(tx, () => runReadDateCoverage(tx, purchaseFactTable))
      return {
        batchIds,
        watermarks,
        rows,
        files,
        problems,
        coverage: coverage.ok ? coverage.value : null,
      }
    },
    { isolation: 'repeatable read', readOnly: true },
  )
}
