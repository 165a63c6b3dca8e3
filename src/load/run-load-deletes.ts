/**
 * Records the source's deletes (logical mode's tombstones, src/extract/logical/) in the warehouse:
 * `etl.source_deletes` holds one row per deleted source row (table, key, commit time of the delete, the
 * batch that carried it). The star schemas keep their rows: a dimension row stays for the facts that
 * point at it, and facts are history; verify counts a deleted source row's dimension row as deleted,
 * not as unexpected. Tombstones of every loaded batch after the mark are read in one transaction, and
 * the mark moves with them, so each batch's deletes are recorded exactly once.
 */
import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { manifestKey } from '../core/batch-id.ts'
import { DataError } from '../core/errors.ts'
import { INGESTION_MANIFEST } from '../core/manifests/ingestion.ts'
import { toIntegrityError } from '../core/manifests/integrity.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import { isSourceTable } from '../core/source-catalogue.ts'
import type { Database, SqlSession } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import { runReadLedgerBatchIds } from './load-ledger.ts'

export const SOURCE_DELETES_DDL = `CREATE SCHEMA IF NOT EXISTS etl;
CREATE TABLE IF NOT EXISTS etl.source_deletes (
  source_table text NOT NULL,
  source_key integer NOT NULL,
  deleted_at timestamp(6) NOT NULL,
  batch_id text NOT NULL,
  PRIMARY KEY (source_table, source_key, deleted_at)
);
CREATE TABLE IF NOT EXISTS etl.source_deletes_mark (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  batch_id text NOT NULL
)`

const EXISTS_SQL = "SELECT to_regclass('etl.source_deletes_mark') IS NOT NULL AS present"

/**
 * How many source deletes the warehouse records, by source table; undefined when it has no
 * `etl.source_deletes` (it never loaded a batch in logical mode).
 */
export async function runCountSourceDeletes(db: Database): Promise<Record<string, number> | undefined> {
  const [found] = await db.query<{ present: boolean }>(EXISTS_SQL)
  if (!found?.present) return undefined
  const rows = await db.query<{ source_table: string; n: number }>(
    'SELECT source_table, count(*)::int AS n FROM etl.source_deletes GROUP BY source_table ORDER BY source_table',
  )
  return Object.fromEntries(rows.map((r) => [r.source_table, Number(r.n)]))
}

export interface LoadDeletesResult {
  readonly batches: number
  readonly rows: number
}

/**
 * Records the tombstones of the loaded batches not yet read. `create` (logical mode) makes the tables
 * when absent; without it, a warehouse that never had them (cursor mode only) is left alone.
 */
export async function runLoadDeletes(
  deps: { readonly warehouse: Database; readonly ingestion: ObjectStore; readonly log: Log },
  input: { readonly create: boolean },
): Promise<LoadDeletesResult> {
  const [found] = await deps.warehouse.query<{ present: boolean }>(EXISTS_SQL)
  if (!found?.present) {
    if (!input.create) return { batches: 0, rows: 0 }
    await deps.warehouse.exec(SOURCE_DELETES_DDL)
  }
  const result = await deps.warehouse.transaction(async (tx) => {
    // Two loaders at once: the second waits, then finds the mark moved.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('totesys-etl.source_deletes'))")
    const [mark] = await tx.query<{ batch_id: string }>('SELECT batch_id FROM etl.source_deletes_mark')
    const after = mark?.batch_id ?? ''
    const pending = (await runReadLedgerBatchIds(tx)).filter((id) => id > after)
    let rows = 0
    for (const batchId of pending) rows += await runRecordBatch(tx, deps.ingestion, batchId)
    const last = pending.at(-1)
    if (last !== undefined)
      await tx.query(
        `INSERT INTO etl.source_deletes_mark (one, batch_id) VALUES (true, $1)
         ON CONFLICT (one) DO UPDATE SET batch_id = excluded.batch_id`,
        [last],
      )
    return { batches: pending.length, rows }
  })
  if (result.rows > 0)
    deps.log.info('load recorded source deletes', {
      stage: 'load',
      rows: result.rows,
      batches: result.batches,
    })
  return result
}

async function runRecordBatch(tx: SqlSession, ingestion: ObjectStore, batchId: string): Promise<number> {
  const manifest = await readManifest(ingestion, manifestKey(batchId), INGESTION_MANIFEST)
  let rows = 0
  for (const entry of manifest.deletes ?? []) {
    const bytes = await ingestion.get(entry.key)
    if (bytes === undefined)
      throw new DataError(`batch ${batchId}: the deletes file ${entry.key} is missing`, {
        batchId,
        key: entry.key,
      })
    const text = readTombstones(bytes)
    // The lake's one integrity rule and message (core/manifests/integrity.ts), as every reader.
    const refusal = toIntegrityError(
      {
        key: entry.key,
        store: ingestion.description,
        batchId,
        table: entry.table,
        expected: entry.sha256,
        actual:
          'unreadable' in text ? text : { sha256: createHash('sha256').update(text.bytes).digest('hex') },
      },
      'load',
    )
    // An unreadable file is always refused; the second test only narrows the type for TypeScript.
    if (refusal || 'unreadable' in text) throw refusal
    const lines = text.bytes.toString('utf8').trimEnd().split('\n').slice(1)
    const keys: number[] = []
    const stamps: string[] = []
    for (const line of lines) {
      const [key = '', at = ''] = line.split(',')
      if (
        !/^-?\d+$/.test(key) ||
        !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(at) ||
        !isSourceTable(entry.table)
      )
        throw new DataError(`batch ${batchId}: the deletes file ${entry.key} has a bad line`, {
          batchId,
          key: entry.key,
        })
      keys.push(Number(key))
      stamps.push(at)
    }
    await tx.query(
      `INSERT INTO etl.source_deletes (source_table, source_key, deleted_at, batch_id)
       SELECT $1, k, d, $4 FROM unnest($2::int[], $3::timestamp[]) AS t(k, d)
       ON CONFLICT DO NOTHING`,
      [entry.table, keys, stamps, batchId],
    )
    rows += keys.length
  }
  return rows
}

/** The tombstone file's CSV, or why it does not inflate (a truncated or altered gzip). */
function readTombstones(gzipped: Uint8Array): { bytes: Buffer } | { unreadable: string } {
  try {
    return { bytes: gunzipSync(gzipped) }
  } catch (error) {
    return { unreadable: error instanceof Error ? error.message : String(error) }
  }
}
