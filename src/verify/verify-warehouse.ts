/**
 * The warehouse side of `verify`: queries that read the warehouse's state as canonical text, and pure
 * comparisons of expected rows against it (missing, duplicated, unexpected, stale). Values are compared in
 * one canonical text form per column type, so '2.50' = '2.5', '10:00:00' = '10:00:00.000', 't' = true.
 */
import type { PurchaseFactTable } from '../config.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import {
  WAREHOUSE_CATALOGUE,
  WAREHOUSE_TABLES,
  type WarehouseColumn,
  type WarehouseTable,
  type WarehouseType,
  warehouseTable,
} from '../core/warehouse-catalogue.ts'
import type { SqlSession } from '../io/database.ts'
import { toPhysicalTable } from '../load/warehouse-names.ts'

/** A row as anyone may hold it: values as text, numbers, booleans or null. */
export type ValueRow = Readonly<Record<string, unknown>>
/** A row in canonical text (see toCanonicalValue). */
export type TextRow = Readonly<Record<string, string | null>>

export interface TableDifferences {
  readonly table: WarehouseTable
  /** Keys expected but absent (dims: the natural id; facts: natural id | last_updated_date | last_updated_time). */
  readonly missing: readonly string[]
  /** Keys present in the warehouse but not expected. */
  readonly unexpected: readonly string[]
  /** Keys present more than once. */
  readonly duplicated: readonly { readonly key: string; readonly count: number }[]
  /** Keys present with different values, and which columns differ. */
  readonly stale: readonly { readonly key: string; readonly columns: readonly string[] }[]
}

/** The canonical text of a value of a column type; null for SQL NULL. */
export function toCanonicalValue(type: WarehouseType, value: unknown): string | null {
  if (value === null || value === undefined) return null
  const text = String(value).trim()
  switch (type) {
    case 'bool':
      return ['t', 'true', '1'].includes(text.toLowerCase()) ? 'true' : 'false'
    case 'numeric':
    case 'numeric(10,2)': {
      const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text)
      if (!match) return text
      const whole = (match[2] ?? '').replace(/^0+(?=\d)/, '') || '0'
      const fraction = (match[3] ?? '').replace(/0+$/, '')
      const zero = /^0*$/.test(whole) && fraction === ''
      return `${match[1] === '-' && !zero ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
    }
    case 'time': {
      const [hms = '', fraction = ''] = text.split('.')
      return `${hms}.${fraction.padEnd(3, '0').replace(/(?<=\d{3})0+$/, '')}`
    }
    case 'date':
      return text.slice(0, 10)
    case 'int4':
      return /^[+-]?\d+$/.test(text) ? String(Number(text)) : text
    default:
      return text
  }
}

/** A row in canonical text, limited to the catalogue's columns. */
export function toCanonicalRow(table: WarehouseTable, row: ValueRow): TextRow {
  return Object.fromEntries(
    warehouseTable(table).columns.map((c) => [c.name, toCanonicalValue(c.type, row[c.name])]),
  )
}

/** The key of a row: the dim's natural id, or the fact's version (natural id | date | time). */
export function toRowKey(table: WarehouseTable, row: ValueRow): string {
  const def = warehouseTable(table)
  return def.key
    .map((name) => {
      const column = def.columns.find((c) => c.name === name) as WarehouseColumn
      return toCanonicalValue(column.type, row[name]) ?? ''
    })
    .join('|')
}

/** True when a comparison found anything. */
export function hasDifferences(d: TableDifferences): boolean {
  return d.missing.length + d.unexpected.length + d.duplicated.length + d.stale.length > 0
}

/** Compares expected rows with the warehouse's rows of a table, by key and on every catalogue column. */
export function toTableDifferences(
  table: WarehouseTable,
  expected: readonly ValueRow[],
  actual: readonly ValueRow[],
): TableDifferences {
  const columns = warehouseTable(table).columns
  const want = new Map(expected.map((row) => [toRowKey(table, row), toCanonicalRow(table, row)]))
  const have = new Map<string, TextRow[]>()
  for (const row of actual) {
    const key = toRowKey(table, row)
    have.set(key, [...(have.get(key) ?? []), toCanonicalRow(table, row)])
  }
  const stale: { key: string; columns: string[] }[] = []
  for (const [key, row] of want) {
    const present = have.get(key)?.[0]
    if (!present) continue
    const differ = columns.filter((c) => present[c.name] !== row[c.name]).map((c) => c.name)
    if (differ.length > 0) stale.push({ key, columns: differ })
  }
  return {
    table,
    missing: [...want.keys()].filter((key) => !have.has(key)),
    unexpected: [...have.keys()].filter((key) => !want.has(key)),
    duplicated: [...have]
      .filter(([, rows]) => rows.length > 1)
      .map(([key, rows]) => ({ key, count: rows.length })),
    stale,
  }
}

export interface KeyCount {
  readonly key: string
  readonly count: number
}

/** Compares expected fact versions (rows holding at least the key columns) with the warehouse's version counts. */
export function toFactVersionDifferences(
  table: WarehouseTable,
  expected: readonly ValueRow[],
  actual: readonly KeyCount[],
): TableDifferences {
  const want = new Set(expected.map((row) => toRowKey(table, row)))
  const have = new Map(actual.map((row) => [row.key, row.count]))
  return {
    table,
    missing: [...want].filter((key) => !have.has(key)),
    unexpected: [...have.keys()].filter((key) => !want.has(key)),
    duplicated: actual.filter((row) => row.count > 1),
    stale: [],
  }
}

/** SQL giving a column's text independent of the server's DateStyle. */
export function textOf(column: WarehouseColumn, alias = ''): string {
  const ref = `${alias}${quoteIdent(column.name)}`
  if (column.type === 'date') return `to_char(${ref}, 'YYYY-MM-DD')`
  if (column.type === 'time') return `to_char(${ref}, 'HH24:MI:SS.US')`
  return `${ref}::text`
}

/** Every row of a warehouse table (catalogue columns, record ids left out) in canonical text, ordered by key. */
export async function runReadWarehouseRows(
  db: SqlSession,
  table: WarehouseTable,
  purchaseFactTable: PurchaseFactTable,
): Promise<TextRow[]> {
  const def = warehouseTable(table)
  const select = def.columns.map((c) => `${textOf(c)} AS ${quoteIdent(c.name)}`).join(', ')
  const rows = await db.query<ValueRow>(
    `SELECT ${select} FROM ${quoteIdent(toPhysicalTable(table, purchaseFactTable))} ORDER BY ${def.key.map(quoteIdent).join(', ')}`,
  )
  return rows.map((row) => toCanonicalRow(table, row))
}

/** How many rows the warehouse holds per key of a table (for facts: per version). */
export async function runReadKeyCounts(
  db: SqlSession,
  table: WarehouseTable,
  purchaseFactTable: PurchaseFactTable,
): Promise<KeyCount[]> {
  const def = warehouseTable(table)
  const keyColumns = def.key.map((name) => def.columns.find((c) => c.name === name) as WarehouseColumn)
  const select = keyColumns.map((c) => `${textOf(c)} AS ${quoteIdent(c.name)}`).join(', ')
  const rows = await db.query<ValueRow & { n: number }>(
    `SELECT ${select}, count(*)::int AS n FROM ${quoteIdent(toPhysicalTable(table, purchaseFactTable))}
     GROUP BY ${keyColumns.map((_, i) => i + 1).join(', ')}`,
  )
  return rows.map((row) => ({ key: toRowKey(table, row), count: row.n }))
}

export interface DateCoverage {
  readonly first: string | null
  readonly last: string | null
  readonly days: number
  /** Days between first and last that dim_date lacks (at most 100). */
  readonly gaps: readonly string[]
  /** Dates facts reference that dim_date lacks (at most 100 per column). */
  readonly missingReferenced: readonly {
    readonly table: string
    readonly column: string
    readonly date: string
  }[]
}

/** dim_date's range, gaps in it, and dates referenced by facts that it lacks. */
export async function runReadDateCoverage(
  db: SqlSession,
  purchaseFactTable: PurchaseFactTable,
): Promise<DateCoverage> {
  const [range] = await db.query<{ first: string | null; last: string | null; days: number }>(
    `SELECT to_char(min(date_id), 'YYYY-MM-DD') AS first, to_char(max(date_id), 'YYYY-MM-DD') AS last,
            count(*)::int AS days FROM dim_date`,
  )
  const gaps = await db.query<{ day: string }>(
    `SELECT to_char(d, 'YYYY-MM-DD') AS day
     FROM (SELECT min(date_id) AS lo, max(date_id) AS hi FROM dim_date) AS r,
          generate_series(r.lo, r.hi, interval '1 day') AS d
     WHERE NOT EXISTS (SELECT 1 FROM dim_date WHERE date_id = d::date) ORDER BY 1 LIMIT 100`,
  )
  const missingReferenced: { table: string; column: string; date: string }[] = []
  for (const table of WAREHOUSE_TABLES.filter((t) => WAREHOUSE_CATALOGUE[t].kind === 'fact')) {
    const physical = toPhysicalTable(table, purchaseFactTable)
    for (const column of warehouseTable(table).columns.filter((c) => c.type === 'date')) {
      const rows = await db.query<{ day: string }>(
        `SELECT DISTINCT to_char(f.${quoteIdent(column.name)}, 'YYYY-MM-DD') AS day FROM ${quoteIdent(physical)} AS f
         WHERE NOT EXISTS (SELECT 1 FROM dim_date AS d WHERE d.date_id = f.${quoteIdent(column.name)}) ORDER BY 1 LIMIT 100`,
      )
      for (const row of rows) missingReferenced.push({ table: physical, column: column.name, date: row.day })
    }
  }
  return {
    first: range?.first ?? null,
    last: range?.last ?? null,
    days: range?.days ?? 0,
    gaps: gaps.map((row) => row.day),
    missingReferenced,
  }
}

/** What is wrong with dim_date's coverage, one sentence per problem; empty when contiguous and complete. */
export function toDateCoverageProblems(coverage: DateCoverage): string[] {
  const problems: string[] = []
  if (coverage.gaps.length > 0) {
    problems.push(
      `dim_date is not contiguous between ${coverage.first} and ${coverage.last}: lacks ${coverage.gaps.join(', ')}`,
    )
  }
  for (const m of coverage.missingReferenced) {
    problems.push(`${m.table}.${m.column} references ${m.date}, which dim_date lacks`)
  }
  return problems
}
