/** Where each catalogue table lives in a given warehouse: only the purchase fact's name is a setting. */
import type { PurchaseFactTable } from '../config.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'

/** The physical table name of a catalogue table in a warehouse using that purchase fact name. */
export function toPhysicalTable(table: WarehouseTable, purchaseFactTable: PurchaseFactTable): string {
  return table === 'fact_purchase_orders' ? purchaseFactTable : table
}

/** Every physical warehouse table, in load order (dims, dim_date first, then facts). */
export function toPhysicalTables(purchaseFactTable: PurchaseFactTable): string[] {
  return WAREHOUSE_TABLES.map((table) => toPhysicalTable(table, purchaseFactTable))
}
