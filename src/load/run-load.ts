/**
 * `load`: applies every processed batch the ledger lacks, in batch order, each in ONE transaction:
 * advisory lock, ledger re-check, COPY into TEMP staging tables, upsert dims (dim_date first), append
 * fact versions not yet present, ledger row, commit. A crash anywhere rolls the batch back whole.
 */
import type { PurchaseFactTable } from '../config.ts'
import { batchIdsFromKeys, MANIFEST_PREFIX } from '../core/batch-id.ts'
import { ConfigError, DataError, EtlError, isTransient } from '../core/errors.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_CATALOGUE, WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import type { Database, SqlSession } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { openParquetToCsv, type ParquetToCsv } from '../io/parquet-to-csv.ts'
import type { LedgerTableRows } from '../io/warehouse-db.ts'
import { runWithoutForeignKeys } from '../io/without-foreign-keys.ts'
import type { Log } from '../log.ts'
import { runInsertLedgerEntry, runIsBatchLoaded, runReadLedgerBatchIds } from './load-ledger.ts'
import { planLoad } from './plan-load.ts'
import {
  toDimUpsertSql,
  toFactAppendSql,
  toStagingCopySql,
  toStagingDdl,
  toStagingTable,
} from './plan-merge.ts'
import { runPrepareFiles, runReadManifest, type StagedFile } from './prepare-batch.ts'
import { runReadExistingTables } from './run-init.ts'
import { LOAD_LOCK_KEY } from './warehouse-ddl.ts'
import { toPhysicalTable } from './warehouse-names.ts'

/** Points inside a batch's transaction where a test can inject a crash. */
export const LOAD_FAULT_POINTS = [
  'after-lock',
  'after-staging',
  'after-dims',
  'after-facts',
  'after-ledger',
] as const
export type LoadFaultPoint = (typeof LOAD_FAULT_POINTS)[number]

export interface LoadDeps {
  readonly warehouse: Database
  readonly processed: ObjectStore
  readonly log: Log
  readonly purchaseFactTable: PurchaseFactTable
  /** Where parquet files are converted to CSV (default: the OS temp folder). */
  readonly tmpDir?: string
  /** Test hook called inside each batch's transaction; throwing simulates a crash at that point. */
  readonly faults?: (point: LoadFaultPoint, batchId: string) => void | Promise<void>
  /**
   * A fact table whose batch brings at least this many rows, and at least a quarter of what it holds, is
   * appended with its foreign keys dropped and re-created (validated) in the same transaction: one
   * set-based check instead of one per row (first loads, rebuilds). Default 50,000.
   */
  readonly bulkFactRows?: number
}

export interface LoadInput {
  /** Load no batch after this one. */
  readonly untilBatchId?: string
}

export interface LoadedBatch {
  readonly batchId: string
  /** Per catalogue table with rows in the batch: rows staged, inserted, updated (dims only). */
  readonly tables: Readonly<Partial<Record<WarehouseTable, LedgerTableRows>>>
  readonly ms: number
}

export interface LoadResult {
  readonly loaded: readonly LoadedBatch[]
  /** Batches another loader committed while this one waited for the lock. */
  readonly skipped: readonly string[]
  /** Set when loading stopped at a gap in the batch sequence. */
  readonly waitingFor?: string
}

/** Loads every processed batch the ledger lacks, in order, exactly once each. */
export async function runLoad(deps: LoadDeps, input: LoadInput = {}): Promise<LoadResult> {
  await runCheckWarehouseReady(deps.warehouse, deps.purchaseFactTable)
  const listed = batchIdsFromKeys(await deps.processed.list(MANIFEST_PREFIX))
  const plan = planLoad(listed, await runReadLedgerBatchIds(deps.warehouse), input.untilBatchId)
  if (plan.outOfOrder.length > 0) {
    throw new DataError(
      `processed batches ${plan.outOfOrder.join(', ')} are older than the newest loaded batch: loading them would roll dimensions back; rebuild the warehouse (docs/OPERATIONS.md)`,
      { stage: 'load', batchId: plan.outOfOrder[0] },
    )
  }
  const loaded: LoadedBatch[] = []
  const skipped: string[] = []
  const scratch = await openParquetToCsv(deps.tmpDir)
  try {
    for (const batchId of plan.pending) {
      const batch = await runLoadBatch(deps, scratch, batchId)
      if (batch) {
        loaded.push(batch)
        deps.log.info('batch loaded', { stage: 'load', batchId, tables: batch.tables, ms: batch.ms })
      } else {
        skipped.push(batchId)
        deps.log.info('batch already loaded by another run', { stage: 'load', batchId })
      }
    }
  } finally {
    await scratch.close()
  }
  if (plan.waitingFor)
    deps.log.warn('load stopped at a missing batch', { stage: 'load', batchId: plan.waitingFor })
  return { loaded, skipped, ...(plan.waitingFor ? { waitingFor: plan.waitingFor } : {}) }
}

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

/** Runs one step for a table, naming the batch and table in any database error. */
async function step<T>(batchId: string, table: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (error instanceof EtlError || isTransient(error)) throw error
    const code = String((error as { code?: unknown }).code ?? '')
    const message = `loading batch ${batchId}: ${what} ${table} failed, the batch was rolled back: ${(error as Error).message}`
    const ids = { stage: 'load', batchId, table }
    if (code === '23503') {
      throw new DataError(`${message} (a row references a dimension key the warehouse lacks)`, ids, {
        cause: error,
      })
    }
    // 21: a key twice in one batch's dim; 22: a value that does not fit; 23: a constraint.
    throw /^2[123]/.test(code)
      ? new DataError(message, ids, { cause: error })
      : new EtlError(message, ids, { cause: error })
  }
}

async function runLoadBatch(
  deps: LoadDeps,
  scratch: ParquetToCsv,
  batchId: string,
): Promise<LoadedBatch | undefined> {
  const started = performance.now()
  const manifest = await runReadManifest(deps.processed, batchId)
  const dir = await scratch.makeDir(batchId)
  try {
    const files = await runPrepareFiles(deps.processed, scratch, manifest, dir)
    const fault = async (point: LoadFaultPoint) => deps.faults?.(point, batchId)
    const tables = await deps.warehouse.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOAD_LOCK_KEY])
      // Another loader may have committed this batch while we waited for the lock.
      if (await runIsBatchLoaded(tx, batchId)) return undefined
      await fault('after-lock')
      const counts = await runStage(tx, scratch, batchId, files)
      await fault('after-staging')
      await runMerge(tx, batchId, counts, 'dim', deps.purchaseFactTable)
      await fault('after-dims')
      const mergeFacts = () => runMerge(tx, batchId, counts, 'fact', deps.purchaseFactTable)
      const bulk = await runPickBulkFactTables(tx, counts, deps)
      if (bulk.length === 0) await mergeFacts()
      else
        await runWithoutForeignKeys(tx, bulk, mergeFacts, {
          restore: (sql, table) => step(batchId, table, 'checking the foreign keys of', () => tx.exec(sql)),
        })
      await fault('after-facts')
      const rows = Object.fromEntries(counts)
      await runInsertLedgerEntry(tx, {
        batchId,
        rows,
        sourceCreatedAt: manifest.sourceCreatedAt,
        watermarks: manifest.watermarks,
      })
      await fault('after-ledger')
      return rows
    })
    return tables ? { batchId, tables, ms: Math.round(performance.now() - started) } : undefined
  } finally {
    await scratch.removeDir(dir)
  }
}

type Counts = Map<WarehouseTable, { rows: number; inserted: number; updated: number }>

/**
 * A batch bringing at least 1/4 of the rows a fact table holds appends in bulk: re-validating the whole
 * table's keys in one pass beats checking that many rows one by one (a first load cut into batches of
 * 250k rows: every fact chunk but the last few of the largest table).
 */
const BULK_SHARE_DIVISOR = 4

/** The physical fact tables this batch is big enough to append in bulk (see LoadDeps.bulkFactRows). */
async function runPickBulkFactTables(tx: SqlSession, counts: Counts, deps: LoadDeps): Promise<string[]> {
  const threshold = deps.bulkFactRows ?? 50_000
  const bulk: string[] = []
  for (const [table, count] of counts) {
    if (WAREHOUSE_CATALOGUE[table].kind !== 'fact' || count.rows < threshold) continue
    const physical = toPhysicalTable(table, deps.purchaseFactTable)
    // The planner's estimate is enough to tell a first load from an increment, and costs no scan.
    const [size] = await tx.query<{ n: number }>(
      'SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = to_regclass($1)',
      [quoteIdent(physical)],
    )
    if (count.rows * BULK_SHARE_DIVISOR >= (size?.n ?? 0)) bulk.push(physical)
  }
  return bulk
}

async function runStage(
  tx: SqlSession,
  scratch: ParquetToCsv,
  batchId: string,
  files: StagedFile[],
): Promise<Counts> {
  const counts: Counts = new Map()
  for (const file of files) {
    await step(batchId, file.table, 'staging', async () => {
      if (!counts.has(file.table)) await tx.exec(toStagingDdl(file.table))
      await tx.copyIn(toStagingCopySql(file.table), scratch.open(file.csvPath))
    })
    const count = counts.get(file.table) ?? { rows: 0, inserted: 0, updated: 0 }
    counts.set(file.table, { ...count, rows: count.rows + file.rows })
  }
  // Fresh statistics let the planner pick hash joins for big batches and index probes for small ones.
  for (const table of counts.keys()) await tx.exec(`ANALYZE ${quoteIdent(toStagingTable(table))}`)
  return counts
}

async function runMerge(
  tx: SqlSession,
  batchId: string,
  counts: Counts,
  kind: 'dim' | 'fact',
  purchaseFactTable: PurchaseFactTable,
): Promise<void> {
  // Catalogue order: dim_date first, so every later row's dates exist.
  for (const table of WAREHOUSE_TABLES) {
    const count = counts.get(table)
    if (!count || WAREHOUSE_CATALOGUE[table].kind !== kind) continue
    const physical = toPhysicalTable(table, purchaseFactTable)
    if (kind === 'dim') {
      const [row] = await step(batchId, physical, 'upserting', () =>
        tx.query<{ inserted: number; updated: number }>(toDimUpsertSql(table, physical)),
      )
      counts.set(table, { ...count, inserted: row?.inserted ?? 0, updated: row?.updated ?? 0 })
    } else {
      const [row] = await step(batchId, physical, 'appending to', () =>
        tx.query<{ inserted: number }>(toFactAppendSql(table, physical)),
      )
      counts.set(table, { ...count, inserted: row?.inserted ?? 0 })
    }
  }
}
