/**
 * The Glue (Hive) schema of each processed table, derived from the warehouse catalogue so the Athena
 * view of the lake cannot drift from the parquet the transform writes. Hive has no time-of-day type, and the
 * transform writes the warehouse contract's `time` columns as parquet INT64 TIME(MICROS): Glue declares them
 * `bigint`, which Athena (Trino's parquet reader) reads over that physical type as microseconds since
 * midnight; `string` fails with HIVE_BAD_DATA. docs/DEPLOY.md shows the query that turns them into times.
 */
import {
  WAREHOUSE_CATALOGUE,
  type WarehouseTable,
  type WarehouseType,
} from '../../src/core/warehouse-catalogue.ts'

const GLUE_TYPES: Record<WarehouseType, string> = {
  int4: 'int',
  varchar: 'string',
  date: 'date',
  time: 'bigint',
  // The transform writes every money column as DECIMAL(10,2), the source's own precision.
  numeric: 'decimal(10,2)',
  'numeric(10,2)': 'decimal(10,2)',
  bool: 'boolean',
}

/** The Glue type of a warehouse column type. */
export function toGlueType(type: WarehouseType): string {
  return GLUE_TYPES[type]
}

/** The Glue columns of a processed table, in catalogue order. */
export function toGlueColumns(table: WarehouseTable): { name: string; type: string }[] {
  return WAREHOUSE_CATALOGUE[table].columns.map((c) => ({ name: c.name, type: toGlueType(c.type) }))
}

/** The partition keys of every processed table: the date the batch was read, as the transform writes it. */
export const GLUE_PARTITION_KEYS = [
  { name: 'year', type: 'string' },
  { name: 'month', type: 'string' },
  { name: 'day', type: 'string' },
] as const

/**
 * The Glue database of a stack: the stack name in snake case plus `_lake` (TotesysEtl → totesys_etl_lake), so
 * two stacks in one account and region (production and staging, a weekly sandbox) each get their own. Glue
 * and Athena want lower case letters, digits and underscores.
 */
export function toGlueDatabaseName(stackName: string): string {
  const snake = stackName
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase()
  return `${snake || 'totesys_etl'}_lake`
}
