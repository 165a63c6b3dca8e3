/** A warehouse model: a SELECT over named input relations, and the columns it yields. */
import { isSourceTable, type SourceTable } from '../../core/source-catalogue.ts'
import {
  WAREHOUSE_CATALOGUE,
  type WarehouseColumn,
  type WarehouseTable,
} from '../../core/warehouse-catalogue.ts'

/**
 * Input relations a model may read: `src_<source table>` (this batch's rows that passed every check,
 * typed), `cur_<lookup table>` (the current state after this batch), `iso_currency(code, name)` and
 * `date_span(lo, hi)`. Every model's rows are keyed by this batch's rows: a model that reads `src_`
 * relations yields nothing when all of them are empty (models.test.ts checks each model).
 */
export interface Model {
  readonly table: WarehouseTable
  readonly columns: readonly WarehouseColumn[]
  /** The model's SELECT; its columns are cast to the warehouse types by the writer. */
  sql(): string
  /**
   * The source tables whose `src_` relations the SELECT reads (derived from it): a batch that stages
   * none of them cannot give the model a row, so the transform skips it (a 1k-payment batch runs one
   * model instead of eleven).
   */
  readonly drivenBy: readonly SourceTable[]
}

/** A model of a warehouse table with the catalogue's columns. */
export function defineModel(table: WarehouseTable, sql: () => string): Model {
  const read = [...sql().matchAll(/\bsrc_([a-z_]+)\b/g)].map((m) => m[1] ?? '')
  const drivenBy = [...new Set(read)].filter(isSourceTable)
  return { table, columns: WAREHOUSE_CATALOGUE[table].columns, sql, drivenBy }
}
