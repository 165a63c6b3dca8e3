/**
 * Before a batch's transaction: read its processed manifest, fetch each parquet file, check its sha256,
 * columns and row count, and convert it to CSV for COPY. Nothing here touches the warehouse.
 */
import { manifestKey } from '../core/batch-id.ts'
import { DataError } from '../core/errors.ts'
import { type ProcessedManifest, parseProcessedManifest } from '../core/processed-manifest.ts'
import { WAREHOUSE_CATALOGUE, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import type { ParquetToCsv } from '../io/parquet-to-csv.ts'
import { toParquetSchemaProblems } from './plan-merge.ts'

export interface StagedFile {
  readonly table: WarehouseTable
  readonly csvPath: string
  readonly rows: number
}

/** Reads and checks the processed manifest of a batch. */
export async function runReadManifest(store: ObjectStore, batchId: string): Promise<ProcessedManifest> {
  const text = await getText(store, manifestKey(batchId))
  if (text === undefined) throw new DataError(`processed manifest of batch ${batchId} vanished`, { batchId })
  let manifest: ProcessedManifest
  try {
    manifest = parseProcessedManifest(text)
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

/** Fetches, checks (sha256, columns, row count) and converts a batch's parquet files, before any lock is taken. */
export async function runPrepareFiles(
  store: ObjectStore,
  scratch: ParquetToCsv,
  manifest: ProcessedManifest,
  dir: string,
): Promise<StagedFile[]> {
  const staged: StagedFile[] = []
  const { batchId } = manifest
  for (const [index, entry] of manifest.tables.entries()) {
    const ids = { stage: 'load', batchId, table: entry.table, key: entry.key ?? undefined }
    if (entry.key === null || entry.rows === 0) {
      if (entry.rows !== 0)
        throw new DataError(`batch ${batchId}: ${entry.table} has ${entry.rows} rows but no file`, ids)
      continue
    }
    const local = await store.toLocalFile(entry.key, dir)
    const sha256 = await scratch.sha256(local)
    if (sha256 !== entry.sha256) {
      throw new DataError(
        `batch ${batchId}: ${entry.key} has sha256 ${sha256}, the manifest says ${entry.sha256}; rebuild it with 'totesys-etl transform --batch ${batchId} --redo'`,
        ids,
      )
    }
    const problems = toParquetSchemaProblems(entry.table, await scratch.describe(local))
    if (problems.length > 0) {
      throw new DataError(
        `batch ${batchId}: ${entry.key} does not fit ${entry.table}: ${problems.join('; ')}`,
        ids,
      )
    }
    const columns = WAREHOUSE_CATALOGUE[entry.table].columns.map((c) => c.name)
    const csvPath = `${dir}/${index}-${entry.table}.csv`
    const rows = await scratch.toCsv(local, columns, csvPath)
    if (rows !== entry.rows) {
      throw new DataError(
        `batch ${batchId}: ${entry.key} holds ${rows} rows, the manifest says ${entry.rows}`,
        ids,
      )
    }
    staged.push({ table: entry.table, csvPath, rows })
  }
  return staged
}
