/**
 * The warehouse tables the extensions add, declared apart from WAREHOUSE_CATALOGUE (which stays the 11
 * tables of the data contract that verify and the core load iterate). `fact_fx_rate` is fixed; each
 * configured JSON dataset brings its own table, built from its registered schema at run time. The
 * stream transform's parquet, the load's staging tables and the DDL all derive from these declarations.
 */
import { WAREHOUSE_TABLES } from './warehouse-catalogue.ts'

/** Column types a stream table may use (PostgreSQL spelling). */
export const STREAM_TYPES = ['integer', 'bigint', 'text', 'numeric', 'boolean', 'date', 'timestamp'] as const
export type StreamType = (typeof STREAM_TYPES)[number]

export interface StreamColumn {
  readonly name: string
  readonly type: StreamType
  readonly nullable: boolean
  /** A foreign key into a core dimension, e.g. `{ table: 'dim_currency', column: 'currency_id' }`. */
  readonly references?: { readonly table: string; readonly column: string }
}

export interface StreamTable {
  readonly name: string
  /** upsert: one row per key, the newest batch wins; append: every row once (key = its version). */
  readonly load: 'upsert' | 'append'
  readonly key: readonly string[]
  readonly columns: readonly StreamColumn[]
}

/** Daily exchange rates: one row per day and ordered currency pair; `rate` quote units per 1 base unit. */
export const FX_RATE_TABLE: StreamTable = {
  name: 'fact_fx_rate',
  load: 'upsert',
  key: ['date_id', 'base_currency_id', 'quote_currency_id'],
  columns: [
    { name: 'date_id', type: 'date', nullable: false },
    {
      name: 'base_currency_id',
      type: 'integer',
      nullable: false,
      references: { table: 'dim_currency', column: 'currency_id' },
    },
    {
      name: 'quote_currency_id',
      type: 'integer',
      nullable: false,
      references: { table: 'dim_currency', column: 'currency_id' },
    },
    { name: 'rate', type: 'numeric', nullable: false },
  ],
}

export const STREAM_CATALOGUE = { fact_fx_rate: FX_RATE_TABLE } as const

/** Names no dataset table may take: the data contract's tables, the ERD's purchase fact, the fixed extensions. */
export const RESERVED_TABLE_NAMES: readonly string[] = [
  ...WAREHOUSE_TABLES,
  'fact_purchase_order',
  ...Object.keys(STREAM_CATALOGUE),
]

/** A table or column name a stream may use: lower-case SQL identifier, no quoting games. */
export const STREAM_IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/

/** The DuckDB type an stream column is written to parquet as. Numerics keep 10 decimal places exactly. */
export function duckTypeOfStream(type: StreamType): string {
  switch (type) {
    case 'integer':
      return 'INTEGER'
    case 'bigint':
      return 'BIGINT'
    case 'text':
      return 'VARCHAR'
    case 'numeric':
      return 'DECIMAL(38,10)'
    case 'boolean':
      return 'BOOLEAN'
    case 'date':
      return 'DATE'
    case 'timestamp':
      return 'TIMESTAMP'
  }
}

/** The pattern of DuckDB type names a parquet column of this type may show. */
export function duckPatternOfStream(type: StreamType): RegExp {
  return type === 'numeric' ? /^DECIMAL\(\d+,\d+\)$/ : new RegExp(`^${duckTypeOfStream(type)}$`)
}
