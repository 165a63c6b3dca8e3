/**
 * The warehouse as a load target: the processed store's core batches, the 11 catalogue tables under their
 * physical names, etl.load_ledger. The batch loader (run-load-batches.ts) does the rest.
 */
import type { PurchaseFactTable } from '../config.ts'
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey } from '../core/batch-id.ts'
import { DataError } from '../core/errors.ts'
import { PROCESSED_MANIFEST, type ProcessedManifest } from '../core/manifests/processed.ts'
import { WAREHOUSE_TABLES } from '../core/warehouse-catalogue.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import { runInsertLedgerEntry, runIsBatchLoaded, runReadLedgerBatchIds } from './load-ledger.ts'
import type { LoadTarget } from './load-target.ts'
import { toMergeTable, toParquetColumns } from './plan-merge.ts'
import { toPhysicalTable } from './warehouse-names.ts'

/**
 * Appends of at least this many rows (and 1/BULK_SHARE_DIVISOR of the table, run-merge-batch.ts) go in bulk unless the deps say otherwise.
 * Measured 2026-11-30 (issue 16): bulk already wins at 600–2,000 rows (a first load at 0.2×: warehouse
 * statements 0.29–0.50 s against 0.60–0.68 s row by row) and 2.5–3× at 3× (load 1.9–2.6 s against 5.6–6.6 s).
 * At 50,000 the first loads between 1× and ~5× checked every fact row's keys one by one: the 3×-vs-10× cliff.
 */
const BULK_FACT_ROWS = 2_000

/** The warehouse load's target description. */
export function toWarehouseTarget(deps: {
  readonly processed: ObjectStore
  readonly purchaseFactTable: PurchaseFactTable
  readonly bulkFactRows?: number
  readonly bulkFactShare?: number
}): LoadTarget<ProcessedManifest> {
  // Catalogue order: dim_date first, then the other dims, then the facts.
  const tables = WAREHOUSE_TABLES.map((table) => ({
    merge: toMergeTable(table),
    physical: toPhysicalTable(table, deps.purchaseFactTable),
    parquet: toParquetColumns(table),
  }))
  return {
    listBatchIds: async () => batchIdsFromKeys(await deps.processed.list(MANIFEST_PREFIX)),
    readManifest: (batchId) => runReadManifest(deps.processed, batchId),
    tablesOf: () => tables,
    ledger: {
      readBatchIds: runReadLedgerBatchIds,
      isLoaded: runIsBatchLoaded,
      insert: (tx, manifest, rows) =>
        runInsertLedgerEntry(tx, {
          batchId: manifest.batchId,
          rows,
          sourceCreatedAt: manifest.sourceCreatedAt,
          watermarks: manifest.watermarks,
        }),
    },
    outOfOrderAdvice: 'loading them would roll dimensions back; rebuild the warehouse (docs/OPERATIONS.md)',
    foreignKeyAdvice: 'a row references a dimension key the warehouse lacks',
    damagedFileAdvice: (batchId) => `rebuild it with 'totesys-etl transform --batch ${batchId} --redo'`,
    bulkFactRows: deps.bulkFactRows ?? BULK_FACT_ROWS,
    ...(deps.bulkFactShare !== undefined && { bulkFactShare: deps.bulkFactShare }),
    logs: {
      loaded: 'batch loaded',
      skipped: 'batch already loaded by another run',
      waiting: 'load stopped at a missing batch',
    },
  }
}

/** Reads and checks the processed manifest of a batch. */
export async function runReadManifest(store: ObjectStore, batchId: string): Promise<ProcessedManifest> {
  const text = await getText(store, manifestKey(batchId))
  if (text === undefined) throw new DataError(`processed manifest of batch ${batchId} vanished`, { batchId })
  let manifest: ProcessedManifest
  try {
    manifest = PROCESSED_MANIFEST.parse(text, 'processed manifest')
  } catch (error) {
    throw new DataError(
      `processed manifest of batch ${batchId} does not parse`,
      { stage: 'load', batchId },
      { cause: error },
    )
  }
  if (manifest.batchId !== batchId) {
    throw new DataError(`processed manifest ${manifestKey(batchId)} names batch ${manifest.batchId}`, {
      batchId,
    })
  }
  return manifest
}
