/** The whole warehouse as canonical text (record ids aside), to compare two warehouses. */
import type { PurchaseFactTable } from '../../src/config.ts'
import { quoteIdent } from '../../src/core/sql-ident.ts'
import { WAREHOUSE_TABLES, type WarehouseTable, warehouseTable } from '../../src/core/warehouse-catalogue.ts'
import type { SqlSession } from '../../src/io/database.ts'
import { toPhysicalTable } from '../../src/load/warehouse-names.ts'
import { runReadWarehouseRows, type TextRow } from '../../src/verify/verify-warehouse.ts'

export type WarehouseState = Record<WarehouseTable, TextRow[]>

/** Every table's rows, sorted so two loads compare equal whatever order facts were appended in. */
export async function readWarehouseState(
  db: SqlSession,
  purchaseFactTable: PurchaseFactTable = 'fact_purchase_orders',
): Promise<WarehouseState> {
  const state = {} as WarehouseState
  for (const table of WAREHOUSE_TABLES) {
    const rows = await runReadWarehouseRows(db, table, purchaseFactTable)
    state[table] = rows
      .map((row) => JSON.stringify(row))
      .sort()
      .map((text) => JSON.parse(text) as TextRow)
  }
  return state
}

/** Row counts per table. */
export function countsOf(state: WarehouseState): Record<WarehouseTable, number> {
  return Object.fromEntries(Object.entries(state).map(([table, rows]) => [table, rows.length])) as Record<
    WarehouseTable,
    number
  >
}

/**
 * Per table, the row count and an md5 over every row's canonical text in sorted order: compares two
 * large warehouses (record ids aside) without reading them into the process.
 */
export async function fingerprintWarehouse(
  db: SqlSession,
  purchaseFactTable: PurchaseFactTable = 'fact_purchase_orders',
): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of WAREHOUSE_TABLES) {
    const columns = warehouseTable(table).columns.map((c) => {
      const ref = quoteIdent(c.name)
      const text = c.type === 'time' ? `to_char(${ref}, 'HH24:MI:SS.US')` : `${ref}::text`
      return `coalesce(${text}, '\\N')`
    })
    const [row] = await db.query<{ n: number; md5: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(r, E'\\n' ORDER BY r)) AS md5
       FROM (SELECT concat_ws('|', ${columns.join(', ')}) AS r FROM ${quoteIdent(toPhysicalTable(table, purchaseFactTable))}) AS t`,
    )
    out[table] = `${row?.n} ${row?.md5}`
  }
  return out
}
