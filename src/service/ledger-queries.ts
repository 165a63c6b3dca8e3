/**
 * The reads of the load ledger that the operator's views need, bounded: the status page refreshes every
 * few seconds and the ledger grows by one row per batch forever, so nothing here reads it whole.
 * Times come back as epoch milliseconds computed by the database, so no session time zone or text
 * format of timestamptz is parsed here.
 */
import { sql } from 'kysely'
import type { Database } from '../io/database.ts'
import { warehouseDb } from '../io/warehouse-db.ts'

/** One loaded batch as the views show it. */
export interface LoadRecord {
  readonly batchId: string
  readonly loadedAtMs: number
  /** Rows staged, summed over the batch's tables. */
  readonly rows: number
  readonly watermarks: Readonly<Record<string, string>>
}

const select = () => sql<string>`(extract(epoch from loaded_at) * 1000)::bigint`.as('loaded_at_ms')

const toRecord = (row: {
  batch_id: string
  loaded_at_ms: string
  rows: Record<string, { rows: number }>
  watermarks: Record<string, string>
}): LoadRecord => ({
  batchId: row.batch_id,
  loadedAtMs: Number(row.loaded_at_ms),
  rows: Object.values(row.rows).reduce((sum, t) => sum + t.rows, 0),
  watermarks: row.watermarks,
})

/** How many batches are loaded, and the newest. */
export async function runReadLedgerSummary(
  db: Database,
): Promise<{ readonly batches: number; readonly last: LoadRecord | undefined }> {
  const wh = warehouseDb(db)
  const [count] = await wh.selectFrom('etl.load_ledger').select(sql<number>`count(*)::int`.as('n')).execute()
  const [last] = await wh
    .selectFrom('etl.load_ledger')
    .select(['batch_id', 'rows', 'watermarks', select()])
    .orderBy('batch_id', 'desc')
    .limit(1)
    .execute()
  return { batches: count?.n ?? 0, last: last ? toRecord(last) : undefined }
}

/** The ids of the loaded batches from `fromBatchId` on (all when undefined), ascending. */
export async function runReadLoadedIdsFrom(db: Database, fromBatchId: string | undefined): Promise<string[]> {
  let q = warehouseDb(db).selectFrom('etl.load_ledger').select('batch_id').orderBy('batch_id')
  if (fromBatchId !== undefined) q = q.where('batch_id', '>=', fromBatchId)
  return (await q.execute()).map((r) => r.batch_id)
}

/** The newest `limit` batches loaded at or after `sinceMs`, oldest first. */
export async function runReadRecentLoads(db: Database, limit: number, sinceMs = 0): Promise<LoadRecord[]> {
  const rows = await warehouseDb(db)
    .selectFrom('etl.load_ledger')
    .select(['batch_id', 'rows', 'watermarks', select()])
    .where(sql<boolean>`loaded_at >= to_timestamp(${sinceMs / 1000})`)
    .orderBy('batch_id', 'desc')
    .limit(limit)
    .execute()
  return rows.map(toRecord).reverse()
}

/** The loads of the given batches (those not loaded are absent). Asks the warehouse even for none: an unreachable one is news. */
export async function runReadLoads(db: Database, batchIds: readonly string[]): Promise<LoadRecord[]> {
  const rows = await warehouseDb(db)
    .selectFrom('etl.load_ledger')
    .select(['batch_id', 'rows', 'watermarks', select()])
    .where((eb) => (batchIds.length === 0 ? sql<boolean>`false` : eb('batch_id', 'in', [...batchIds])))
    .execute()
  return rows.map(toRecord)
}
