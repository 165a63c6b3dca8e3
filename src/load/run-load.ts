/**
 * `load`: applies every processed batch the ledger lacks to the warehouse, in batch order, each in ONE
 * transaction (see run-load-batches.ts), once the warehouse is known to hold its tables and ledger.
 */
import type { PurchaseFactTable } from '../config.ts'
import { ConfigError } from '../core/errors.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import type { Database } from '../io/database.ts'
import type { LedgerTableRows } from '../io/warehouse-db.ts'
import { runReadExistingTables } from './run-init.ts'
import {
  type BatchLoadDeps,
  type LoadedBatch as BatchLoadedBatch,
  type BatchLoadResult,
  runLoadBatches,
} from './run-load-batches.ts'
import { toPhysicalTable } from './warehouse-names.ts'
import { toWarehouseTarget } from './warehouse-target.ts'

export interface LoadDeps extends BatchLoadDeps {
  readonly purchaseFactTable: PurchaseFactTable
  /**
   * A fact table whose batch brings at least this many rows, and at least 1/bulkFactShare of what it
   * holds, is appended with its foreign keys dropped and re-created (validated) in the same transaction:
   * one set-based check instead of one per row (first loads, rebuilds). Default 2,000.
   */
  readonly bulkFactRows?: number
  /** See bulkFactRows; default BULK_SHARE_DIVISOR (24); Infinity: whatever the table holds (tests). */
  readonly bulkFactShare?: number
}

export interface LoadInput {
  /** Load no batch after this one. */
  readonly untilBatchId?: string
}

/** A loaded batch, its tables named by the catalogue (rows staged, inserted, updated: dims only). */
export interface LoadedBatch extends BatchLoadedBatch {
  readonly tables: Readonly<Partial<Record<WarehouseTable, LedgerTableRows>>>
}

export interface LoadResult extends BatchLoadResult {
  readonly loaded: readonly LoadedBatch[]
}

/** Loads every processed batch the ledger lacks, in order, exactly once each. */
export async function runLoad(deps: LoadDeps, input: LoadInput = {}): Promise<LoadResult> {
  await runCheckWarehouseReady(deps.warehouse, deps.purchaseFactTable)
  // The warehouse target's tables are the catalogue's, so every batch's tables are named by it.
  return (await runLoadBatches(deps, toWarehouseTarget(deps), input.untilBatchId)) as LoadResult
}

/** A ConfigError naming what the warehouse lacks, before any batch is read. */
async function runCheckWarehouseReady(db: Database, purchaseFactTable: PurchaseFactTable): Promise<void> {
  const physical = WAREHOUSE_TABLES.map((table) => toPhysicalTable(table, purchaseFactTable))
  const existing = new Set(await runReadExistingTables(db, physical))
  const [ledger] = await db.query<{ ok: boolean }>("SELECT to_regclass('etl.load_ledger') IS NOT NULL AS ok")
  const missing = [
    ...physical.filter((name) => !existing.has(name)),
    ...(ledger?.ok ? [] : ['etl.load_ledger']),
  ]
  if (missing.length > 0) {
    throw new ConfigError(
      `the warehouse ${db.description} lacks ${missing.join(', ')}: run 'totesys-etl init' (and check PURCHASE_FACT_TABLE)`,
      { stage: 'load' },
    )
  }
}
