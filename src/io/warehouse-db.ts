/**
 * The typed query layer over the warehouse: Kysely row types derived from WAREHOUSE_CATALOGUE (the one
 * declaration), plus the pipeline's bookkeeping in schema `etl`. Bulk paths (COPY, merges) stay plain SQL.
 */
import { readFile } from 'node:fs/promises'
import { type ColumnType, type Generated, Kysely, type Selectable } from 'kysely'
import type {
  FACT_RECORD_ID,
  WAREHOUSE_CATALOGUE,
  WarehouseTable,
  WarehouseType,
} from '../core/warehouse-catalogue.ts'
import type { Database, SqlSession } from './database.ts'
import { SessionDialect } from './kysely-dialect.ts'
import { projectFile } from './project-file.ts'

/** How a warehouse type arrives in JS through our Database (dates, times, numerics stay text). */
type JsOf<T extends WarehouseType> = T extends 'int4' ? number : T extends 'bool' ? boolean : string

type ColumnDecl = { readonly name: string; readonly type: WarehouseType; readonly nullable: boolean }

type RowOf<C extends readonly ColumnDecl[]> = {
  [K in C[number] as K['name']]: JsOf<K['type']> | (K['nullable'] extends true ? null : never)
}

type RecordIdOf<T extends WarehouseTable> = T extends keyof typeof FACT_RECORD_ID
  ? { [R in (typeof FACT_RECORD_ID)[T]]: Generated<number> }
  : unknown

type CatalogueTables = {
  [T in WarehouseTable]: RowOf<(typeof WAREHOUSE_CATALOGUE)[T]['columns']> & RecordIdOf<T>
}

/** JSON as stored in jsonb: read back parsed, written as JSON text. */
export type JsonColumn<T> = ColumnType<T, string, string>

/** Per warehouse table (catalogue name), what one load applied. */
export interface LedgerTableRows {
  readonly rows: number
  readonly inserted: number
  readonly updated: number
}

export interface LoadLedgerTable {
  batch_id: string
  loaded_at: ColumnType<string, string | undefined, never>
  rows: JsonColumn<Record<string, LedgerTableRows>>
  source_created_at: string
  watermarks: JsonColumn<Record<string, string>>
}

/** The ledger of the streams' batches (FX, datasets): one row per (stream, batch). */
export interface StreamLedgerTable {
  stream: string
  batch_id: string
  loaded_at: ColumnType<string, string | undefined, never>
  source_created_at: string
  rows: JsonColumn<Record<string, LedgerTableRows>>
}

/** The Kysely schema of the warehouse: every catalogue table, the ERD's singular purchase fact, the ledgers. */
export type WarehouseSchema = CatalogueTables & {
  fact_purchase_order: CatalogueTables['fact_purchase_orders']
  'etl.load_ledger': LoadLedgerTable
  'etl.stream_ledger': StreamLedgerTable
}

/** A row of a warehouse table as read back. */
export type WarehouseRow<T extends WarehouseTable> = Selectable<WarehouseSchema[T]>

export type WarehouseDb = Kysely<WarehouseSchema>

/** A typed query builder over a Database (pool or embedded) or one transaction's session. */
export function warehouseDb(session: Database | SqlSession): WarehouseDb {
  return new Kysely<WarehouseSchema>({ dialect: new SessionDialect(session) })
}

/** The warehouse DDL of the data contract (sql/warehouse.sql), as text. */
export function readWarehouseSql(): Promise<string> {
  return readFile(projectFile('sql/warehouse.sql'), 'utf8')
}
