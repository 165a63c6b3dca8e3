/** A warehouse model: a SELECT over named input relations, and the columns it yields. */
import {
  WAREHOUSE_CATALOGUE,
  type WarehouseColumn,
  type WarehouseTable,
} from '../../core/warehouse-catalogue.ts'

/**
 * Input relations a model may read: `src_<source table>` (this batch's rows that passed every check,
 * typed), `cur_<lookup table>` (the current state after this batch), `iso_currency(code, name)` and
 * `date_span(lo, hi)`.
 */
export interface Model {
  readonly table: WarehouseTable
  readonly columns: readonly WarehouseColumn[]
  /** The model's SELECT; its columns are cast to the warehouse types by the writer. */
  sql(): string
}

/** A model of a warehouse table with the catalogue's columns. */
export function defineModel(table: WarehouseTable, sql: () => string): Model {
  return { table, columns: WAREHOUSE_CATALOGUE[table].columns, sql }
}
