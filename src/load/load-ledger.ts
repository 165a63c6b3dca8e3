/** Reads and writes of the load ledger (etl.load_ledger): which batches the warehouse holds, and how fresh it is. */
import { sql } from 'kysely'
import { isSourceTable, type SourceTable } from '../core/source-catalogue.ts'
import type { Database, SqlSession } from '../io/database.ts'
import { type LedgerTableRows, warehouseDb } from '../io/warehouse-db.ts'

export interface LedgerEntry {
  readonly batchId: string
  /** When the batch committed in the warehouse (timestamptz text). */
  readonly loadedAt: string
  readonly rows: Readonly<Record<string, LedgerTableRows>>
  readonly sourceCreatedAt: string
  readonly watermarks: Readonly<Record<string, string>>
}

/** The ids of every loaded batch, ascending. */
export async function runReadLedgerBatchIds(db: Database | SqlSession): Promise<string[]> {
  const rows = await warehouseDb(db)
    .selectFrom('etl.load_ledger')
    .select('batch_id')
    .orderBy('batch_id')
    .execute()
  return rows.map((row) => row.batch_id)
}

/** True when a batch is in the ledger. */
export async function runIsBatchLoaded(db: Database | SqlSession, batchId: string): Promise<boolean> {
  const row = await warehouseDb(db)
    .selectFrom('etl.load_ledger')
    .select('batch_id')
    .where('batch_id', '=', batchId)
    .executeTakeFirst()
  return row !== undefined
}

/** Every ledger entry, oldest batch first. */
export async function runReadLedger(db: Database | SqlSession): Promise<LedgerEntry[]> {
  const rows = await warehouseDb(db).selectFrom('etl.load_ledger').selectAll().orderBy('batch_id').execute()
  return rows.map((row) => ({
    batchId: row.batch_id,
    loadedAt: row.loaded_at,
    rows: row.rows,
    sourceCreatedAt: row.source_created_at,
    watermarks: row.watermarks,
  }))
}

/** Records a loaded batch, inside the batch's transaction. */
export async function runInsertLedgerEntry(
  tx: SqlSession,
  entry: Omit<LedgerEntry, 'loadedAt'>,
): Promise<void> {
  await warehouseDb(tx)
    .insertInto('etl.load_ledger')
    .values({
      batch_id: entry.batchId,
      rows: JSON.stringify(entry.rows),
      source_created_at: entry.sourceCreatedAt,
      watermarks: JSON.stringify(entry.watermarks),
    })
    .execute()
}

/**
 * Per source table, the newest `last_updated` the warehouse holds: the max over the ledger's watermarks.
 * Verify and freshness read this, never the process clock. Values keep the manifests' text.
 */
export async function runReadLoadedWatermarks(
  db: Database | SqlSession,
): Promise<Partial<Record<SourceTable, string>>> {
  const result = await sql<{ table_name: string; watermark: string }>`
    SELECT DISTINCT ON (w.key) w.key AS table_name, w.value AS watermark
    FROM etl.load_ledger AS l, jsonb_each_text(l.watermarks) AS w
    ORDER BY w.key, w.value::timestamp DESC`.execute(warehouseDb(db))
  const out: Partial<Record<SourceTable, string>> = {}
  for (const row of result.rows) if (isSourceTable(row.table_name)) out[row.table_name] = row.watermark
  return out
}
