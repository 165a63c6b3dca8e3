/**
 * `verify`: reconciles source, lake and warehouse as of the loaded watermarks. Changes newer than a
 * watermark are lag, rows inside the extract lag of it are pending; everything else must match exactly.
 */
import type { PurchaseFactTable } from '../config.ts'
import { SOURCE_TABLES, type SourceTable } from '../core/catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_CATALOGUE, WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import { SESSION_SQL } from '../extract/source-sql.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { runReadLedgerBatchIds, runReadLoadedWatermarks } from '../load/load-ledger.ts'
import {
  hasDifferences,
  runReadDateCoverage,
  runReadKeyCounts,
  runReadWarehouseRows,
  type TableDifferences,
  toDateCoverageProblems,
  toRowKey,
  toTableDifferences,
  type ValueRow,
} from '../load/verify-warehouse.ts'
import { toPhysicalTable } from '../load/warehouse-names.ts'
import { isoCurrencyNames } from '../transform/currency-names.ts'
import { EXPECTED_ROWS_SQL } from './expected-rows-sql.ts'
import { runReadLake, runReadLakeFactKeys } from './read-lake.ts'

export interface VerifyDeps {
  readonly source: Database
  readonly warehouse: Database
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  readonly purchaseFactTable: PurchaseFactTable
  readonly lagMs: number
  readonly tmpDir?: string
}

export interface TableCheck extends TableDifferences {
  /** Expected rows newer than the loaded watermark: not loaded yet, by design. */
  readonly lag: number
  /** Expected keys missing but inside the extract lag of the watermark: may still arrive. */
  readonly pending: readonly string[]
  /** Fact versions the lake holds that the warehouse lacks. */
  readonly notLoaded: readonly string[]
}

export interface VerifyReport {
  readonly clean: boolean
  readonly loadedBatches: number
  readonly watermarks: Partial<Record<SourceTable, string>>
  readonly sourceRows: Partial<Record<SourceTable, number>>
  readonly ingestionRows: Partial<Record<SourceTable, number>>
  readonly processedRows: Partial<Record<WarehouseTable, number>>
  readonly warehouseRows: Partial<Record<WarehouseTable, number>>
  readonly tables: readonly TableCheck[]
  /** Every difference as one readable sentence. */
  readonly problems: readonly string[]
}

type ExpectedRow = ValueRow & { _fresh: boolean; _pending: boolean }

const currencyNames = new Map(isoCurrencyNames())

async function readSource(deps: VerifyDeps, watermarks: Partial<Record<SourceTable, string>>) {
  return deps.source.transaction(
    async (tx) => {
      await tx.exec(SESSION_SQL)
      const expected = new Map<WarehouseTable, ExpectedRow[]>()
      for (const [table, sql] of Object.entries(EXPECTED_ROWS_SQL) as [WarehouseTable, string][]) {
        const rows = await tx.query<ExpectedRow>(sql, [JSON.stringify(watermarks), deps.lagMs])
        expected.set(
          table,
          table === 'dim_currency'
            ? rows.map((r) => ({ ...r, currency_name: currencyNames.get(String(r.currency_code)) ?? null }))
            : rows,
        )
      }
      const sourceRows: Partial<Record<SourceTable, number>> = {}
      for (const table of SOURCE_TABLES) {
        const [row] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(table)}`)
        sourceRows[table] = row?.n ?? 0
      }
      return { expected, sourceRows }
    },
    { isolation: 'repeatable read', readOnly: true },
  )
}

/** Compares everything; the report says what differs, table by table and key by key. */
export async function runVerify(deps: VerifyDeps): Promise<VerifyReport> {
  const batchIds = await runReadLedgerBatchIds(deps.warehouse)
  const watermarks = await runReadLoadedWatermarks(deps.warehouse)
  const { expected, sourceRows } = await readSource(deps, watermarks)
  const lake = await runReadLake(deps.ingestion, deps.processed, batchIds)
  const problems: string[] = [...lake.fileProblems]
  if (batchIds.length === 0) problems.push('the warehouse has loaded no batch yet: run `totesys-etl run`')

  const tables: TableCheck[] = []
  const warehouseRows: Partial<Record<WarehouseTable, number>> = {}
  for (const table of WAREHOUSE_TABLES) {
    const physical = toPhysicalTable(table, deps.purchaseFactTable)
    const [count] = await deps.warehouse.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdent(physical)}`,
    )
    warehouseRows[table] = count?.n ?? 0
    if (table === 'dim_date') continue
    const rows = expected.get(table) ?? []
    const fresh = rows.filter((r) => r._fresh)
    const lagKeys = new Set(rows.filter((r) => !r._fresh).map((r) => toRowKey(table, r)))
    const pendingKeys = new Set(rows.filter((r) => r._fresh && r._pending).map((r) => toRowKey(table, r)))
    const actual = await runReadWarehouseRows(deps.warehouse, table, deps.purchaseFactTable)
    const isFact = WAREHOUSE_CATALOGUE[table].kind === 'fact'
    // Facts keep history: compare the source's current versions with those rows; the rest against the lake.
    const wanted = new Set(fresh.map((r) => toRowKey(table, r)))
    const compared = actual.filter((r) => {
      const key = toRowKey(table, r)
      return isFact ? wanted.has(key) : !lagKeys.has(key)
    })
    const diff = toTableDifferences(table, fresh, compared)
    let unexpected = diff.unexpected
    let duplicated = diff.duplicated
    let notLoaded: string[] = []
    if (isFact) {
      const inWarehouse = await runReadKeyCounts(deps.warehouse, table, deps.purchaseFactTable)
      const inLake = await runReadLakeFactKeys(deps.processed, lake.manifests, table, deps.tmpDir)
      const lakeKeys = new Set(inLake.map((k) => k.key))
      const warehouseKeys = new Set(inWarehouse.map((k) => k.key))
      unexpected = inWarehouse.filter((k) => !lakeKeys.has(k.key)).map((k) => k.key)
      duplicated = inWarehouse.filter((k) => k.count > 1)
      notLoaded = inLake.filter((k) => !warehouseKeys.has(k.key)).map((k) => k.key)
      for (const k of inLake.filter((k) => k.count > 1)) {
        problems.push(`${table}: version ${k.key} is in the lake ${k.count} times`)
      }
    }
    const check: TableCheck = {
      ...diff,
      missing: diff.missing.filter((k) => !pendingKeys.has(k)),
      pending: diff.missing.filter((k) => pendingKeys.has(k)),
      unexpected,
      duplicated,
      notLoaded,
      lag: rows.length - fresh.length,
    }
    tables.push(check)
    problems.push(...toTableProblems(check))
  }
  const coverage = await runReadDateCoverage(deps.warehouse, deps.purchaseFactTable)
  problems.push(...toDateCoverageProblems(coverage))
  return {
    clean: problems.length === 0,
    loadedBatches: batchIds.length,
    watermarks,
    sourceRows,
    ingestionRows: lake.ingestionRows,
    processedRows: lake.processedRows,
    warehouseRows,
    tables,
    problems,
  }
}

const LIST = 5
const some = (keys: readonly string[]) =>
  `${keys.slice(0, LIST).join(', ')}${keys.length > LIST ? ` and ${keys.length - LIST} more` : ''}`

/** One sentence per kind of difference of a table. */
export function toTableProblems(check: TableCheck): string[] {
  const t = check.table
  const out: string[] = []
  if (check.missing.length)
    out.push(`${t}: ${check.missing.length} expected row(s) missing: ${some(check.missing)}`)
  if (check.duplicated.length)
    out.push(
      `${t}: ${check.duplicated.length} key(s) present more than once: ${some(check.duplicated.map((d) => `${d.key} ×${d.count}`))}`,
    )
  if (check.stale.length)
    out.push(
      `${t}: ${check.stale.length} row(s) differ from the source: ${some(check.stale.map((s) => `${s.key} (${s.columns.join(', ')})`))}`,
    )
  if (check.unexpected.length)
    out.push(`${t}: ${check.unexpected.length} row(s) the source/lake never had: ${some(check.unexpected)}`)
  if (check.notLoaded.length)
    out.push(`${t}: ${check.notLoaded.length} lake version(s) not in the warehouse: ${some(check.notLoaded)}`)
  return out
}

/** True when any table check found a difference (pending and lag are not differences). */
export function hasTableProblems(check: TableCheck): boolean {
  return hasDifferences(check) || check.notLoaded.length > 0
}
