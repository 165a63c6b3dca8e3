/**
 * Reads one table's window inside the batch's snapshot transaction and streams it to the store.
 * Returns the manifest entry and what the cursor needs; throws (the caller isolates the table).
 */

import { toPartitionedKey } from '../core/batch-id.ts'
import type { IngestionTableEntry, TableCursor } from '../core/manifests/ingestion.ts'
import { CURSOR_COLUMN, type SourceTableDef } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import type { SqlSession } from '../io/database.ts'
import { gzipWithDigest } from '../io/gzip-with-digest.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { type ColumnRow, toObservedColumn, toSchemaFingerprint } from './observe-columns.ts'
import { type TableRead, toEdgeArrays } from './plan-cursor.ts'
import {
  COLUMNS_SQL,
  SET_WINDOW_SQL,
  SET_WINDOW_TIDS_SQL,
  TID_COPY_MAX_ROWS,
  windowCopySql,
  windowStatsSql,
} from './source-sql.ts'

export interface TableWindowInput {
  readonly def: SourceTableDef
  readonly cursor: TableCursor
  readonly lagMs: number
  readonly batchId: string
  readonly attempt: string
  readonly createdAt: string
  /** The most rows to read: the window's oldest first (0 reads nothing and leaves the cursor as it was). */
  readonly rowLimit: number
  /** The table's columns as COLUMNS_SQL lists them, read earlier in this snapshot; read here when absent. */
  readonly columnRows?: readonly ColumnRow[]
}

export interface TableWindowResult {
  readonly entry: IngestionTableEntry
  readonly read: TableRead
  /** Rows read stamped after the source's clock (real versions; the cursor stays at the clock). */
  readonly future: number
  /** Rows read stamped off the time axis (infinity, BC, after 9999): the transform quarantines them. */
  readonly offAxis: number
}

type Keys = [number, string][]

interface StatsRow {
  rows: number
  off_axis: number
  future: number
  min_last_updated: string | null
  max_last_updated: string | null
  cutoff: string | null
  edge: Keys | string
  off_axis_keys: Keys | string
  tids: string | null
}

/** A json column as the driver returns it: parsed (pg) or as text (some drivers). */
const keysOf = (v: Keys | string): Keys => (typeof v === 'string' ? (JSON.parse(v) as Keys) : v)

/** A table's name as the columns queries take it: schema-qualified and quoted. */
export const toTableRef = (def: SourceTableDef): string => `public.${quoteIdent(def.name)}`

/** Reads the table's current columns (unless given); throws when the cursor's columns are gone. */
async function readColumns(tx: SqlSession, def: SourceTableDef, given?: readonly ColumnRow[]) {
  const rows = given ?? (await tx.query<ColumnRow>(COLUMNS_SQL, [toTableRef(def)]))
  const columns = rows.map(toObservedColumn)
  for (const needed of [def.primaryKey, CURSOR_COLUMN]) {
    if (!columns.some((c) => c.name === needed)) {
      throw new Error(
        rows.length === 0
          ? `table ${def.name} is missing from the source`
          : `column ${needed} of ${def.name} is missing from the source: the cursor cannot read it`,
      )
    }
  }
  return columns
}

export async function runReadTableWindow(
  tx: SqlSession,
  store: ObjectStore,
  input: TableWindowInput,
): Promise<TableWindowResult> {
  const { def, cursor } = input
  const columns = await readColumns(tx, def, input.columnRows)
  const edge = toEdgeArrays(cursor.edge)
  const lowerBound = cursor.hi === null ? '-infinity' : `${cursor.hi}`
  // The lower bound is hi - lag, computed by the source; the settings carry it into COPY.
  await tx.query(SET_WINDOW_SQL, [
    lowerBound,
    edge.ids,
    edge.ms,
    input.rowLimit,
    input.lagMs,
    edge.offIds,
    edge.offTimestamps,
  ])
  const [stats] = await tx.query<StatsRow>(windowStatsSql(def), [
    cursor.hi,
    input.lagMs,
    input.createdAt,
    TID_COPY_MAX_ROWS,
  ])
  if (!stats) throw new Error(`window query of ${def.name} returned nothing`)
  const read: TableRead = {
    now: input.createdAt,
    maxLastUpdated: stats.max_last_updated,
    cutoff: stats.cutoff,
    edge: keysOf(stats.edge),
    offAxis: keysOf(stats.off_axis_keys),
  }
  const counts = { future: stats.future, offAxis: stats.off_axis }
  const base = {
    table: def.name,
    rows: stats.rows,
    minLastUpdated: stats.min_last_updated,
    maxLastUpdated: stats.max_last_updated,
    columns,
    schemaFingerprint: toSchemaFingerprint(columns),
  }
  if (stats.rows === 0) return { entry: { ...base, key: null, bytes: 0, sha256: null }, read, ...counts }

  const key = toPartitionedKey(def.name, input.createdAt, input.batchId, input.attempt, 'csv.gz')
  // A small window is fetched by the tuple ids the sizing query found: no second scan of the table.
  if (stats.tids !== null) await tx.query(SET_WINDOW_TIDS_SQL, [stats.tids])
  const { stream, digest } = gzipWithDigest(await tx.copyOut(windowCopySql(def, stats.tids !== null)))
  await store.putStream(key, stream)
  return { entry: { ...base, key, bytes: digest.bytes(), sha256: digest.sha256() }, read, ...counts }
}
