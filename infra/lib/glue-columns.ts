/**
 * The Glue (Hive) schema of each processed table, derived from the warehouse catalogue so the Athena
 * view of the lake cannot drift from the parquet the transform writes. Hive has no time-of-day type:
 * `time` columns are declared `string` (see docs/DEPLOY.md for what Athena makes of them).
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
  time: 'string',
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
