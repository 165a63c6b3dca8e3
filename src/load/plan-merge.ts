/**
 * The SQL of one batch's merge, built from the catalogue (pure): TEMP staging tables filled by COPY, dims
 * upserted on their key (touching only rows whose values changed), facts appended once per version.
 */
import { quoteIdent } from '../core/sql-ident.ts'
import { type WarehouseTable, type WarehouseType, warehouseTable } from '../core/warehouse-catalogue.ts'

const PG_TYPE: Record<WarehouseType, string> = {
  int4: 'integer',
  varchar: 'varchar',
  date: 'date',
  time: 'time',
  numeric: 'numeric',
  'numeric(10,2)': 'numeric(10,2)',
  bool: 'boolean',
}

/** A table as the merge builders see it: the catalogue's tables and the stream tables alike. */
export interface MergeTable {
  readonly name: string
  /** dim: upsert on the key; fact: append the rows whose key (a version) is not there yet. */
  readonly kind: 'dim' | 'fact'
  readonly key: readonly string[]
  readonly columns: readonly { readonly name: string; readonly pgType: string }[]
}

/** A catalogue table as a MergeTable. */
export function toMergeTable(table: WarehouseTable): MergeTable {
  const def = warehouseTable(table)
  return {
    name: def.name,
    kind: def.kind,
    key: def.key,
    columns: def.columns.map((c) => ({ name: c.name, pgType: PG_TYPE[c.type] })),
  }
}

/** The TEMP staging table of a warehouse table. */
export function toStagingTable(table: string): string {
  return `stage_${table}`
}

/** Creates a staging table with a MergeTable's columns, dropped at commit (or rollback). */
export function toStagingDdl(def: MergeTable): string {
  const columns = def.columns.map((c) => `${quoteIdent(c.name)} ${c.pgType}`)
  return `CREATE TEMP TABLE ${quoteIdent(toStagingTable(def.name))} (${columns.join(', ')}) ON COMMIT DROP`
}

/** COPY of headerless CSV (the MergeTable's column order) into its staging table. */
export function toStagingCopySql(def: MergeTable): string {
  const columns = def.columns.map((c) => quoteIdent(c.name))
  return `COPY ${quoteIdent(toStagingTable(def.name))} (${columns.join(', ')}) FROM STDIN (FORMAT csv)`
}

/**
 * Upserts a dimension (a MergeTable of kind dim) from its staging table; returns one row `{ inserted,
 * updated }`. Rows whose values are unchanged are not rewritten (no dead tuples, `updated` counts changes).
 */
export function toUpsertSql(def: MergeTable, physical: string): string {
  if (def.kind !== 'dim') throw new Error(`${def.name} is not a dimension`)
  const columns = def.columns.map((c) => quoteIdent(c.name))
  const values = def.columns.filter((c) => !def.key.includes(c.name)).map((c) => quoteIdent(c.name))
  const onConflict =
    values.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${values.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
    WHERE (${values.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${values.map((c) => `EXCLUDED.${c}`).join(', ')})`
  return `WITH applied AS (
  INSERT INTO ${quoteIdent(physical)} AS t (${columns.join(', ')})
  SELECT ${columns.join(', ')} FROM ${quoteIdent(toStagingTable(def.name))}
  ON CONFLICT (${def.key.map(quoteIdent).join(', ')}) ${onConflict}
  RETURNING (t.xmax = 0) AS inserted
)
SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, (count(*) FILTER (WHERE NOT inserted))::int AS updated
FROM applied`
}

/**
 * Appends the staged fact versions (a MergeTable of kind fact: its key identifies a version, e.g. natural
 * id, last_updated_date and last_updated_time) the warehouse does not hold yet; returns one row
 * `{ inserted }`. Record ids come from the table's serial.
 */
export function toAppendSql(def: MergeTable, physical: string): string {
  if (def.kind !== 'fact') throw new Error(`${def.name} is not a fact`)
  const columns = def.columns.map((c) => quoteIdent(c.name))
  const sameVersion = def.key.map((k) => `f.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(' AND ')
  return `WITH applied AS (
  INSERT INTO ${quoteIdent(physical)} (${columns.join(', ')})
  SELECT ${columns.map((c) => `s.${c}`).join(', ')} FROM ${quoteIdent(toStagingTable(def.name))} AS s
  WHERE NOT EXISTS (SELECT 1 FROM ${quoteIdent(physical)} AS f WHERE ${sameVersion})
  RETURNING 1
)
SELECT count(*)::int AS inserted FROM applied`
}

const DUCKDB_FAMILY: Record<WarehouseType, RegExp> = {
  int4: /^INTEGER$/,
  varchar: /^VARCHAR$/,
  date: /^DATE$/,
  time: /^TIME$/,
  numeric: /^DECIMAL\(\d+,\d+\)$/,
  'numeric(10,2)': /^DECIMAL\(\d+,\d+\)$/,
  bool: /^BOOLEAN$/,
}

/** A column a parquet file must hold: its name, the type to name in messages, the DuckDB types that fit. */
export interface ParquetColumn {
  readonly name: string
  readonly type: string
  readonly pattern: RegExp
}

/** The columns a catalogue table's parquet files must hold, in order. */
export function toParquetColumns(table: WarehouseTable): ParquetColumn[] {
  return warehouseTable(table).columns.map((c) => ({
    name: c.name,
    type: c.type,
    pattern: DUCKDB_FAMILY[c.type],
  }))
}

/** What is wrong with a parquet file's columns (names, order, types) against the expected ones; empty when it fits. */
export function toParquetProblems(
  expected: readonly ParquetColumn[],
  columns: readonly { readonly name: string; readonly type: string }[],
): string[] {
  const problems: string[] = []
  const names = columns.map((c) => c.name).join(', ')
  if (names !== expected.map((c) => c.name).join(', ')) problems.push(`columns are (${names})`)
  for (const column of expected) {
    const actual = columns.find((c) => c.name === column.name)
    if (actual && !column.pattern.test(actual.type)) {
      problems.push(`${column.name} is ${actual.type}, expected ${column.type}`)
    }
  }
  return problems
}
