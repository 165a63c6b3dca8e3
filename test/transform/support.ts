/** Shared helpers for the transform suites: temp stores, reading processed parquet back through DuckDB. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { manifestKey } from '../../src/core/batch-id.ts'
import { PROCESSED_MANIFEST, type ProcessedManifest } from '../../src/core/manifests/processed.ts'
import type { WarehouseTable } from '../../src/core/warehouse-catalogue.ts'
import { openDuckDb, sqlString } from '../../src/io/duckdb.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import { getText, type ObjectStore } from '../../src/io/object-store.ts'

export interface Stores {
  readonly dir: string
  readonly ingestion: FolderStore
  readonly processed: FolderStore
  cleanup(): Promise<void>
}

/** Two empty folder stores in a fresh temp folder. */
export async function tempStores(): Promise<Stores> {
  const dir = await mkdtemp(join(tmpdir(), 'transform-test-'))
  return {
    dir,
    ingestion: new FolderStore(join(dir, 'ingestion')),
    processed: new FolderStore(join(dir, 'processed')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

/** A processed manifest. */
export async function processedManifest(store: ObjectStore, batchId: string): Promise<ProcessedManifest> {
  const text = await getText(store, manifestKey(batchId))
  if (!text) throw new Error(`no processed manifest ${batchId}`)
  return PROCESSED_MANIFEST.parse(text, 'processed manifest')
}

/** The rows of one warehouse table of a processed batch (JSON-safe: decimals, dates, times as text). */
export async function processedRows(
  store: ObjectStore,
  batchId: string,
  table: WarehouseTable,
  orderBy = '1',
): Promise<Record<string, unknown>[]> {
  const manifest = await processedManifest(store, batchId)
  const key = manifest.tables.find((t) => t.table === table)?.key
  if (!key) return []
  const db = await openDuckDb()
  try {
    const path = await store.toLocalFile(key, db.workDir)
    return await db.rows(
      `SELECT * FROM read_parquet(${sqlString(path)}, hive_partitioning = false) ORDER BY ${orderBy}`,
    )
  } finally {
    await db.close()
  }
}
