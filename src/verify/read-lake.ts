/** The lake's side of verify: row counts per layer, file integrity, and the fact versions the lake holds. */
import { join } from 'node:path'
import { manifestKey } from '../core/batch-id.ts'
import type { SourceTable } from '../core/catalogue.ts'
import { type ProcessedManifest, parseProcessedManifest } from '../core/processed-manifest.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { type WarehouseTable, warehouseTable } from '../core/warehouse-catalogue.ts'
import { runListIngestionBatches, runReadIngestionManifest } from '../extract/ingestion-batches.ts'
import { openDuckDb, readParquetSql } from '../io/duckdb.ts'
import { runDigestObject } from '../io/object-digest.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import { type KeyCount, toRowKey } from '../load/verify-warehouse.ts'

export interface LakeSummary {
  readonly ingestionRows: Partial<Record<SourceTable, number>>
  readonly processedRows: Partial<Record<WarehouseTable, number>>
  /** Files whose bytes do not match their manifest's checksum, or that are missing. */
  readonly fileProblems: readonly string[]
  readonly manifests: readonly ProcessedManifest[]
}

/** Sums rows and checks every file of the given batches against its manifest. */
export async function runReadLake(
  ingestion: ObjectStore,
  processed: ObjectStore,
  batchIds: readonly string[],
): Promise<LakeSummary> {
  const wanted = new Set(batchIds)
  const ingestionRows: Partial<Record<SourceTable, number>> = {}
  const processedRows: Partial<Record<WarehouseTable, number>> = {}
  const fileProblems: string[] = []
  const check = async (store: ObjectStore, key: string, sha256: string | null, gunzip: boolean) => {
    try {
      const actual = await runDigestObject(store, key, { gunzip })
      if (actual !== sha256)
        fileProblems.push(`${store.description}${key}: checksum ${actual} ≠ manifest ${sha256}`)
    } catch (error) {
      fileProblems.push(`${store.description}${key}: unreadable (${(error as Error).message})`)
    }
  }
  for (const batchId of (await runListIngestionBatches(ingestion)).filter((id) => wanted.has(id))) {
    const manifest = await runReadIngestionManifest(ingestion, batchId)
    for (const entry of manifest.tables) {
      ingestionRows[entry.table] = (ingestionRows[entry.table] ?? 0) + entry.rows
      if (entry.key) await check(ingestion, entry.key, entry.sha256, true)
    }
  }
  const manifests: ProcessedManifest[] = []
  for (const batchId of batchIds) {
    const text = await getText(processed, manifestKey(batchId))
    if (text === undefined) {
      fileProblems.push(`processed manifest of loaded batch ${batchId} is missing`)
      continue
    }
    const manifest = parseProcessedManifest(text)
    manifests.push(manifest)
    for (const entry of manifest.tables) {
      processedRows[entry.table] = (processedRows[entry.table] ?? 0) + entry.rows
      if (entry.key) await check(processed, entry.key, entry.sha256, false)
    }
  }
  return { ingestionRows, processedRows, fileProblems, manifests }
}

/** Every fact version the processed batches hold, with how often (once each, when all is well). */
export async function runReadLakeFactKeys(
  processed: ObjectStore,
  manifests: readonly ProcessedManifest[],
  table: WarehouseTable,
  tmpDir?: string,
): Promise<KeyCount[]> {
  const keys = manifests.flatMap((m) =>
    m.tables.filter((t) => t.table === table && t.key).map((t) => t.key as string),
  )
  if (keys.length === 0) return []
  const duck = await openDuckDb(tmpDir === undefined ? {} : { tmpDir })
  try {
    const files: string[] = []
    for (const key of keys) files.push(await processed.toLocalFile(key, join(duck.workDir, 'files')))
    const columns = warehouseTable(table).key.map(
      (c) => `CAST(${quoteIdent(c)} AS VARCHAR) AS ${quoteIdent(c)}`,
    )
    const rows = await duck.rows<Record<string, string>>(
      `SELECT ${columns.join(', ')}, count(*)::INTEGER AS n FROM ${readParquetSql(files)}
       GROUP BY ALL`,
    )
    return rows.map((row) => ({ key: toRowKey(table, row), count: Number(row.n) }))
  } finally {
    await duck.close()
  }
}
