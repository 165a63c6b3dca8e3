/**
 * Pure SQL builders for the staging steps: read a batch's CSV as text, give every row its first problem
 * (or NULL), expose the good rows typed, merge lookup state, and cast a model's output to warehouse types.
 * Identifiers come from the catalogues (quoted); CSV column names from a manifest are quoted as literals.
 */
import type { ObservedColumn } from '../core/manifests/ingestion.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import type { WarehouseColumn, WarehouseType } from '../core/warehouse-catalogue.ts'
import { toBadDateSql, toBadTimestampSql } from '../core/warehouse-values.ts'
import { sqlString } from '../io/duckdb.ts'
import type { Model } from './models/model.ts'
import { duckTypeOf, type NeededColumn, type SourceNeeds, sourceNeeds } from './source-needs.ts'

/**
 * DuckDB's CSV reader pins a 32 MB buffer per file by default (16 × its 2 MB line limit), out of the
 * transform's memory_limit. 4 MB still holds any line the source can produce.
 */
const CSV_BUFFER_BYTES = 4 * 1024 * 1024

/** How timestamps are printed back (strftime): milliseconds kept, naive as in the source. */
export const TIMESTAMP_FORMAT = "'%Y-%m-%d %H:%M:%S.%g'"

/**
 * DuckDB's parquet writer holds whole row groups in memory (outside memory_limit, several per thread):
 * 16k-row groups instead of the default 122,880 kept a 250k-row staging pass of text columns within a
 * 64MB limit. Files kept (models, state) use zstd; scratch files, read once or twice, snappy.
 */
const ROW_GROUP_ROWS = 16_384
export const KEPT_PARQUET = `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}`
export const SCRATCH_PARQUET = `FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}`

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
      bad(toBadTimestampSql(v), 'invalid timestamp')
      break
    case 'date':
      bad(toBadDateSql(v), 'invalid date')
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

/**
 * The file's rows as text plus `_reason`, the first problem a row check finds (NULL = none): a SELECT the
 * transform writes to a scratch parquet file, so the batch never sits in DuckDB's memory as a table.
 */
export function toRowCheckedSql(
  needs: SourceNeeds,
  path: string,
  observed: readonly ObservedColumn[],
  sourceNames: ReadonlyMap<string, string>,
): string {
  const branches = needs.columns.flatMap((c) =>
    problemBranches(needs.table, c, sourceNames.get(c.name) ?? c.name),
  )
  const reason = branches.length ? `CASE ${branches.join(' ')} END` : 'CAST(NULL AS VARCHAR)'
  return `SELECT *, ${reason} AS _reason FROM ${toReadCsvSql(path, observed)}`
}

/**
 * The rows of `checked` (a relation with `_reason`) with their references checked: a good row whose key
 * exists in no current state (`cur_<ref>`) gets `<column> not found in <ref>`, in column order, after
 * every row check. Undefined when the table references nothing. Used for a small batch held in memory;
 * a large one writes only its problems (toReferenceProblemsSql).
 */
export function toReferenceCheckedSql(
  needs: SourceNeeds,
  checked: string,
  sourceNames: ReadonlyMap<string, string>,
): string | undefined {
  const branches = referenceBranches(needs, checked, sourceNames)
  if (branches.length === 0) return undefined
  return `SELECT * REPLACE (CASE WHEN _reason IS NOT NULL THEN _reason ${branches.join(' ')} END AS _reason) FROM ${quoteIdent(checked)}`
}

/** The column of read_parquet(…, file_row_number = true): a row's position in its file. */
export const FILE_ROW = 'file_row_number'

/**
 * The good rows of `checked` (a relation with `_reason` and FILE_ROW) that fail a reference check: their
 * FILE_ROW as `_row` and the problem as `_ref_reason` (as toReferenceCheckedSql gives it). Few or none:
 * written instead of the whole batch again, it keeps the pass to the key columns (issue 16, target 5).
 * Undefined when the table references nothing.
 */
export function toReferenceProblemsSql(
  needs: SourceNeeds,
  checked: string,
  sourceNames: ReadonlyMap<string, string>,
): string | undefined {
  const branches = referenceBranches(needs, checked, sourceNames)
  if (branches.length === 0) return undefined
  return `SELECT _row, _ref_reason FROM (
  SELECT ${FILE_ROW} AS _row, CASE ${branches.join(' ')} END AS _ref_reason FROM ${quoteIdent(checked)} WHERE _reason IS NULL
) WHERE _ref_reason IS NOT NULL`
}

/** `checked`'s rows (without FILE_ROW) with the reference problems of `problems` as their `_reason`. */
export function toReferenceOverlaySql(checked: string, problems: string): string {
  return `SELECT c.* EXCLUDE (${FILE_ROW}) REPLACE (coalesce(c._reason, p._ref_reason) AS _reason)
FROM ${quoteIdent(checked)} c LEFT JOIN ${problems} p ON p._row = c.${FILE_ROW}`
}

/**
 * A CASE branch per reference of the table: `<column> not found in <ref>`.
 *
 * Each state is first joined with this batch's distinct keys (an inner join, so DuckDB hashes the batch,
 * the smaller side, and streams the state past it); a plain `NOT IN (SELECT key FROM cur_<ref>)` would
 * hash the whole state, whose size follows the source, not the batch. NOT IN, not a correlated NOT
 * EXISTS: with the cast inside the correlation DuckDB plans a cross product against the parquet-backed
 * state. The value passed its integer check and keys are never NULL, so NOT IN is exact.
 */
function referenceBranches(
  needs: SourceNeeds,
  checked: string,
  sourceNames: ReadonlyMap<string, string>,
): string[] {
  const rel = quoteIdent(checked)
  return needs.columns.flatMap((c) => {
    if (!c.references) return []
    const key = `TRY_CAST(${quoteIdent(sourceNames.get(c.name) ?? c.name)} AS INTEGER)`
    const refKey = quoteIdent(sourceNeeds(c.references).primaryKey)
    const found = `SELECT s.${refKey} FROM ${quoteIdent(`cur_${c.references}`)} s
      JOIN (SELECT DISTINCT ${key} AS k FROM ${rel} WHERE _reason IS NULL) b ON b.k = s.${refKey}`
    return [
      `WHEN ${key} IS NOT NULL AND ${key} NOT IN (${found}) THEN ${sqlString(`${c.name} not found in ${c.references}`)}`,
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
 * This batch's latest version of each key of a lookup table (a batch may hold several versions of a
 * row); the transform writes it to a scratch file that toNextStateSql reads as `batch_<table>`.
 */
export function toBatchLatestSql(needs: SourceNeeds): string {
  const pk = quoteIdent(needs.primaryKey)
  // DISTINCT ON, not row_number() OVER (PARTITION BY key): the window ran out of memory at 64MB on a
  // 1M-row batch, DISTINCT ON spills (a tie keeps either copy of what is then the same version).
  return `SELECT DISTINCT ON (${pk}) * FROM ${quoteIdent(`src_${needs.table}`)} ORDER BY ${pk}, last_updated DESC`
}

/**
 * The state of a lookup table after this batch: the previous state (`prev_<table>`) overlaid with this
 * batch's latest rows (`batch_<table>`), keeping per key the version with the latest last_updated (this
 * batch wins a tie). A replayed old version therefore never overwrites a newer one. Written as
 * anti-joins keyed on the batch, so the previous state streams through once: the work and memory follow
 * the batch, not the table (a window over state ∪ batch re-sorted all 990k transactions for a 1k-change
 * batch).
 */
export function toNextStateSql(needs: SourceNeeds): string {
  const pk = quoteIdent(needs.primaryKey)
  const prev = quoteIdent(`prev_${needs.table}`)
  const batch = quoteIdent(`batch_${needs.table}`)
  return `SELECT p.* FROM ${prev} p
WHERE NOT EXISTS (SELECT 1 FROM ${batch} b WHERE b.${pk} = p.${pk} AND b.last_updated >= p.last_updated)
UNION ALL BY NAME
SELECT b.* FROM ${batch} b
WHERE b.${pk} NOT IN (
  -- An inner join, so DuckDB hashes the batch (the smaller side) and streams the state past it.
  SELECT b2.${pk} FROM ${prev} p JOIN ${batch} b2 ON b2.${pk} = p.${pk} AND p.last_updated > b2.last_updated
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
