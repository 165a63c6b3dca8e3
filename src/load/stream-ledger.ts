/** Reads and writes of the stream ledger (etl.stream_ledger): which batches of each stream the warehouse holds. */
import type { Database, SqlSession } from '../io/database.ts'
import { warehouseDb } from '../io/warehouse-db.ts'
import type { LoadLedger, LoadManifest } from './load-target.ts'

/** The batch ids of a stream the warehouse holds, ascending (none before the ledger exists). */
export async function runReadStreamLedger(db: Database | SqlSession, stream: string): Promise<string[]> {
  const [exists] = await db.query<{ ok: boolean }>(
    "SELECT to_regclass('etl.stream_ledger') IS NOT NULL AS ok",
  )
  if (!exists?.ok) return []
  const rows = await warehouseDb(db)
    .selectFrom('etl.stream_ledger')
    .select('batch_id')
    .where('stream', '=', stream)
    .orderBy('batch_id')
    .execute()
  return rows.map((r) => r.batch_id)
}

/** The ledger of one stream, for the batch loader. */
export function streamLedger(stream: string): LoadLedger<LoadManifest> {
  return {
    readBatchIds: (db) => runReadStreamLedger(db, stream),
    async isLoaded(tx, batchId) {
      const row = await warehouseDb(tx)
        .selectFrom('etl.stream_ledger')
        .select('batch_id')
        .where('stream', '=', stream)
        .where('batch_id', '=', batchId)
        .executeTakeFirst()
      return row !== undefined
    },
    async insert(tx, manifest, rows) {
      await warehouseDb(tx)
        .insertInto('etl.stream_ledger')
        .values({
          stream,
          batch_id: manifest.batchId,
          source_created_at: manifest.sourceCreatedAt,
          rows: JSON.stringify(rows),
        })
        .execute()
    },
  }
}
