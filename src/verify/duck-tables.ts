/**
 * The SQL (DuckDB) that puts each layer's rows side by side, typed the same whatever wrote them: the
 * source's and the warehouse's COPY CSV (text), the processed parquet (typed), the ingestion CSV. So
 * '2.50' = 2.5, '10:00:00.000000' = TIME '10:00:00', 't' = true. Comparing typed values is ~25× cheaper
 * than printing each value back to canonical text. Pure: builds SQL only.
 *
 * Tables: `e_<t>` expected rows (from the source), `w_<t>` warehouse rows, `p_<t>` processed rows,
 * `l_<s>` distinct versions (pk, version) of source table s in the ingestion lake, `q_<s>` the versions
 * of s held in quarantine.
 */
import { type SourceTable, sourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { type WarehouseTable, type WarehouseType, warehouseTable } from '../core/warehouse-catalogue.ts'
import { readParquetSql, sqlString } from '../io/duckdb.ts'

/**
 * Money is DECIMAL(18,8): held in 64 bits, it parses from text ~80× faster than DECIMAL(38,…) (hugeint).
 * Exact for every source value (numeric(10,2)) and any warehouse value under 10^10 with ≤ 8 decimals; a
 * larger one becomes NULL and so differs.
 */
const DUCK_TYPE: Readonly<Record<WarehouseType, string>> = {
  int4: 'BIGINT',
  numeric: 'DECIMAL(18,8)',
  'numeric(10,2)': 'DECIMAL(18,8)',
  date: 'DATE',
  time: 'TIME',
  bool: 'BOOLEAN',
  varchar: 'VARCHAR',
}

/**
 * A value of a column type, typed. Text that does not parse becomes NULL: only the source can hold such
 * text (its dates are text columns), and the warehouse's date columns are NOT NULL, so it still differs.
 */
export function canonicalSql(type: WarehouseType, expr: string): string {
  return `TRY_CAST(${expr} AS ${DUCK_TYPE[type]})`
}

/** A CSV file and, when known, its header's column names (csv-header.ts). */
export interface CsvFile {
  readonly path: string
  readonly columns?: readonly string[] | undefined
}

const CSV_OPTIONS = `header = true, all_varchar = true, allow_quoted_nulls = false, delim = ',', quote = '"',
    escape = '"', auto_detect = false, filename = false, hive_partitioning = false`

/**
 * read_csv of files PostgreSQL's COPY (FORMAT csv, HEADER true) wrote: every value as text, "" ≠ NULL.
 * Files whose header is known are read with it as `columns`, one read_csv per distinct header (about a
 * third of the CPU of `union_by_name`, which scans each file to find its columns); the others with
 * `union_by_name`; the reads put together by name (a column some files lack is NULL in their rows).
 */
export function readCopyCsvSql(files: readonly CsvFile[]): string {
  const byHeader = new Map<string, { columns: readonly string[] | undefined; paths: string[] }>()
  for (const { path, columns } of files) {
    const key = columns ? JSON.stringify(columns) : ''
    const group = byHeader.get(key) ?? { columns, paths: [] }
    group.paths.push(path)
    byHeader.set(key, group)
  }
  const reads = [...byHeader.values()].map(({ columns, paths }) => {
    const names = columns
      ? `columns = {${columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`
      : 'union_by_name = true'
    return `read_csv([${paths.map(sqlString).join(', ')}], ${CSV_OPTIONS}, ${names})`
  })
  return reads.length === 1
    ? (reads[0] as string)
    : `(${reads.map((r) => `SELECT * FROM ${r}`).join(' UNION ALL BY NAME ')})`
}

const ident = quoteIdent
export const expectedName = (t: WarehouseTable) => ident(`e_${t}`)
export const warehouseName = (t: WarehouseTable) => ident(`w_${t}`)
export const processedName = (t: WarehouseTable) => ident(`p_${t}`)
export const lakeName = (s: SourceTable) => ident(`l_${s}`)
export const heldName = (s: SourceTable) => ident(`q_${s}`)

function canonicalColumns(table: WarehouseTable, alias = ''): string {
  return warehouseTable(table)
    .columns.map((c) => `${canonicalSql(c.type, `${alias}${ident(c.name)}`)} AS ${ident(c.name)}`)
    .join(', ')
}

/** Columns typed and empty, for a layer that has no file of a table. */
function emptyColumns(table: WarehouseTable): string {
  return warehouseTable(table)
    .columns.map((c) => `${canonicalSql(c.type, 'NULL')} AS ${ident(c.name)}`)
    .join(', ')
}

/** e_<t>: the expected rows, with _fresh, _pending, and _version (the row's version in the lake). */
export function createExpectedSql(table: WarehouseTable, csv: CsvFile): string {
  // dim_currency's name is not in the source: the spec takes it from the ISO list (table `iso_currency`).
  const source =
    table === 'dim_currency'
      ? `(SELECT r.* REPLACE (i.name AS currency_name) FROM ${readCopyCsvSql([csv])} AS r
           LEFT JOIN iso_currency AS i ON i.code = r.currency_code)`
      : readCopyCsvSql([csv])
  const first = warehouseTable(table).key[0] as string
  return `CREATE TABLE ${expectedName(table)} AS SELECT ${canonicalColumns(table)},
      coalesce(TRY_CAST(_fresh AS BOOLEAN), false) AS _fresh,
      coalesce(TRY_CAST(_pending AS BOOLEAN), true) AS _pending,
      TRY_CAST(_version AS TIMESTAMP) AS _version,
      ${canonicalSql('int4', ident(first))} AS _pk
    FROM ${source}`
}

/** w_<t>: the warehouse's rows. */
export function createWarehouseSql(table: WarehouseTable, csv: CsvFile): string {
  return `CREATE TABLE ${warehouseName(table)} AS SELECT ${canonicalColumns(table)} FROM ${readCopyCsvSql([csv])}`
}

/** p_<t>: the rows of every loaded processed batch (one per batch a key was written in). */
export function createProcessedSql(table: WarehouseTable, parquet: readonly string[]): string {
  return parquet.length === 0
    ? `CREATE TABLE ${processedName(table)} AS SELECT ${emptyColumns(table)} LIMIT 0`
    : `CREATE TABLE ${processedName(table)} AS SELECT ${canonicalColumns(table)} FROM ${readParquetSql(parquet)}`
}

/** l_<s> or q_<s>: the distinct versions (primary key, last_updated) in ingestion-format CSV files. */
export function createVersionsSql(name: string, table: SourceTable, csvGz: readonly CsvFile[]): string {
  if (csvGz.length === 0) return `CREATE TABLE ${name} (_pk VARCHAR, _version TIMESTAMP)`
  const pk = ident(sourceTable(table).primaryKey)
  return `CREATE TABLE ${name} AS SELECT DISTINCT ${canonicalSql('int4', pk)} AS _pk,
      TRY_CAST(last_updated AS TIMESTAMP) AS _version
    FROM ${readCopyCsvSql(csvGz)}`
}

/** A table's key as display text (natural id, or id|date|time), and its id to order by. */
export function keySql(table: WarehouseTable, alias: string): { text: string; id: string } {
  const parts = warehouseTable(table).key.map((k) => `${alias}.${ident(k)}`)
  return {
    text: `concat_ws('|', ${parts.map((p) => `coalesce(CAST(${p} AS VARCHAR), '')`).join(', ')})`,
    id: parts[0] as string,
  }
}

/** A table's key columns, for GROUP BY. */
export function keyColumnsSql(table: WarehouseTable, alias: string): string {
  return warehouseTable(table)
    .key.map((k) => `${alias}.${ident(k)}`)
    .join(', ')
}

/** `a.k1 = b.k1 AND …` over a table's key columns. */
export function keyMatchSql(table: WarehouseTable, a: string, b: string): string {
  return warehouseTable(table)
    .key.map((k) => `${a}.${ident(k)} = ${b}.${ident(k)}`)
    .join(' AND ')
}
