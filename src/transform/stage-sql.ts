/**
 * Pure SQL builders for the staging steps: read a batch's CSV as text, give every row its first problem
 * (or NULL), expose the good rows typed, merge lookup state, and cast a model's output to warehouse types.
 * Identifiers come from the catalogues (quoted); CSV column names from a manifest are quoted as literals.
 */
import type { ObservedColumn } from '../core/ingestion-manifest.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import type { WarehouseColumn, WarehouseType } from '../core/warehouse-catalogue.ts'
import { sqlString } from '../io/duckdb.ts'
import type { Model } from './models/model.ts'
import { duckTypeOf, type NeededColumn, type SourceNeeds, sourceNeeds } from './source-needs.ts'

/**
 * DuckDB's CSV reader pins a 32 MB buffer per file by default (16 × its 2 MB line limit), out of the
 * transform's memory_limit. 4 MB still holds any line the source can produce.
 */
const CSV_BUFFER_BYTES = 4 * 1024 * 1024

/** read_csv over a COPY CSV file: every column as text, `""` an empty string, an unquoted empty field NULL. */
export function toReadCsvSql(path: string, columns: readonly ObservedColumn[]): string {
  const struct = columns.map((c) => `${sqlString(c.name)}: 'VARCHAR'`).join(', ')
  return `read_csv(${sqlString(path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, buffer_size = ${CSV_BUFFER_BYTES}, columns = {${struct}})`
}

/** The first problem of a needed column's text value, as a CASE branch list. */
function problemBranches(table: string, column: NeededColumn, sourceName: string): string[] {
  const v = quoteIdent(sourceName)
  const n = column.name
  const out: string[] = []
  if (column.required) out.push(`WHEN ${v} IS NULL THEN ${sqlString(`null in ${n}`)}`)
  const bad = (cond: string, what: string) =>
    out.push(`WHEN ${v} IS NOT NULL AND (${cond}) THEN ${sqlString(`${what} in ${n}`)}`)
  switch (column.stage) {
    case 'int':
      bad(`TRY_CAST(${v} AS INTEGER) IS NULL`, 'invalid integer')
      break
    case 'timestamp':
      bad(
        `NOT regexp_full_match(${v}, '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?') OR TRY_CAST(${v} AS TIMESTAMP) IS NULL`,
        'invalid timestamp',
      )
      break
    case 'date':
      bad(
        `NOT regexp_full_match(${v}, '\\d{4}-\\d{2}-\\d{2}') OR TRY_CAST(${v} AS DATE) IS NULL`,
        'invalid date',
      )
      break
    case 'money':
      // Exact or nothing: a value that DECIMAL(10,2) would round is a problem, not a rounding. The shape
      // (digits beyond the second decimal must be zeros) is checked by a pattern: comparing with a
      // DECIMAL(38,10) cast did the same but cost ~5 s per million rows (128-bit decimals).
      bad(
        `NOT regexp_full_match(${v}, '[+-]?\\d*(\\.\\d{0,2}0*)?') OR TRY_CAST(${v} AS DECIMAL(10,2)) IS NULL`,
        'invalid numeric(10,2)',
      )
      break
    case 'bool':
      bad(`${v} NOT IN ('t', 'f')`, 'invalid boolean')
      break
    case 'enum':
      bad(
        `${v} NOT IN (SELECT value FROM allowed_values WHERE source_table = ${sqlString(table)} AND source_column = ${sqlString(n)})`,
        'value not allowed',
      )
      break
    case 'currency_code':
      bad(`${v} NOT IN (SELECT code FROM iso_currency)`, 'unknown currency code')
      break
    case 'text':
      break
  }
  return out
}

/** CREATE TABLE raw_<table>: the file's rows as text plus `_reason`, the first problem found (NULL = good). */
export function toStageRawSql(
  needs: SourceNeeds,
  path: string,
  observed: readonly ObservedColumn[],
  sourceNames: ReadonlyMap<string, string>,
): string {
  const branches = needs.columns.flatMap((c) =>
    problemBranches(needs.table, c, sourceNames.get(c.name) ?? c.name),
  )
  const reason = branches.length ? `CASE ${branches.join(' ')} END` : 'CAST(NULL AS VARCHAR)'
  return `CREATE OR REPLACE TABLE ${quoteIdent(`raw_${needs.table}`)} AS
SELECT *, ${reason} AS _reason FROM ${toReadCsvSql(path, observed)}`
}

/** UPDATEs that mark good rows whose key exists in no current state (`cur_<ref>`), one per reference. */
export function toReferenceCheckSql(needs: SourceNeeds, sourceNames: ReadonlyMap<string, string>): string[] {
  const raw = quoteIdent(`raw_${needs.table}`)
  return needs.columns.flatMap((c) => {
    if (!c.references) return []
    const v = quoteIdent(sourceNames.get(c.name) ?? c.name)
    const refKey = quoteIdent(sourceNeeds(c.references).primaryKey)
    return [
      // NOT IN, not a correlated NOT EXISTS: with the cast inside the correlation DuckDB plans a cross
      // product against the parquet-backed state (10 s for 300k rows instead of 0.1 s). The value
      // passed the integer check (_reason IS NULL) and keys are never NULL, so NOT IN is exact.
      `UPDATE ${raw} SET _reason = ${sqlString(`${c.name} not found in ${c.references}`)}
WHERE _reason IS NULL AND ${v} IS NOT NULL
  AND TRY_CAST(${v} AS INTEGER) NOT IN (SELECT ${refKey} FROM ${quoteIdent(`cur_${c.references}`)})`,
    ]
  })
}

/** CREATE VIEW src_<table>: the good rows with the needed columns under catalogue names and types. */
export function toSourceViewSql(
  needs: SourceNeeds,
  sourceNames: ReadonlyMap<string, string> | undefined,
): string {
  const view = quoteIdent(`src_${needs.table}`)
  const cols = needs.columns.map((c) => {
    const type = duckTypeOf(c.stage)
    if (!sourceNames) return `CAST(NULL AS ${type}) AS ${quoteIdent(c.name)}`
    return `CAST(${quoteIdent(sourceNames.get(c.name) ?? c.name)} AS ${type}) AS ${quoteIdent(c.name)}`
  })
  if (!sourceNames) return `CREATE OR REPLACE VIEW ${view} AS SELECT ${cols.join(', ')} LIMIT 0`
  return `CREATE OR REPLACE VIEW ${view} AS SELECT ${cols.join(', ')} FROM ${quoteIdent(`raw_${needs.table}`)} WHERE _reason IS NULL`
}

/**
 * The state of a lookup table after this batch: the previous state (`prev_<table>`) overlaid with this
 * batch's good rows, keeping per key the version with the latest last_updated (this batch wins a tie).
 * A replayed old version therefore never overwrites a newer one. Written as anti-joins keyed on the
 * batch, so the previous state streams through once: the work and memory follow the batch, not the
 * table (a window over state ∪ batch re-sorted all 990k transactions for a 1k-change batch).
 */
export function toNextStateSql(needs: SourceNeeds): string {
  const pk = quoteIdent(needs.primaryKey)
  const prev = quoteIdent(`prev_${needs.table}`)
  return `WITH batch AS (
  SELECT * EXCLUDE (_rank) FROM (
    SELECT *, row_number() OVER (PARTITION BY ${pk} ORDER BY last_updated DESC) AS _rank
    FROM ${quoteIdent(`src_${needs.table}`)}
  ) WHERE _rank = 1
)
SELECT p.* FROM ${prev} p
WHERE NOT EXISTS (SELECT 1 FROM batch b WHERE b.${pk} = p.${pk} AND b.last_updated >= p.last_updated)
UNION ALL BY NAME
SELECT b.* FROM batch b
WHERE b.${pk} NOT IN (
  -- An inner join, so DuckDB hashes the batch (the smaller side) and streams the state past it.
  SELECT b2.${pk} FROM ${prev} p JOIN batch b2 ON b2.${pk} = p.${pk} AND p.last_updated > b2.last_updated
)`
}

/** The DuckDB type of a warehouse column: plain `numeric` money keeps the source's exact (10,2). */
export function duckTypeOfWarehouse(type: WarehouseType): string {
  switch (type) {
    case 'int4':
      return 'INTEGER'
    case 'numeric':
    case 'numeric(10,2)':
      return 'DECIMAL(10,2)'
    case 'date':
      return 'DATE'
    case 'time':
      return 'TIME'
    case 'bool':
      return 'BOOLEAN'
    case 'varchar':
      return 'VARCHAR'
  }
}

/** A model's SELECT with its columns cast, in catalogue order. */
export function toTypedModelSql(model: Model): string {
  const cols = model.columns.map(
    (c: WarehouseColumn) =>
      `CAST(m.${quoteIdent(c.name)} AS ${duckTypeOfWarehouse(c.type)}) AS ${quoteIdent(c.name)}`,
  )
  return `SELECT ${cols.join(', ')} FROM (${model.sql()}) m`
}
