import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toFactVersionIndexDdl, toWarehouseDdl } from './warehouse-ddl.ts'
import { toPhysicalTable, toPhysicalTables } from './warehouse-names.ts'

const CONTRACT = `-- fact_purchase_orders as in the brief
CREATE TABLE dim_date (date_id date PRIMARY KEY);
CREATE TABLE fact_purchase_orders (purchase_record_id serial PRIMARY KEY);
CREATE TABLE IF NOT EXISTS already (x int);`

describe('warehouse DDL', () => {
  it('makes the contract idempotent, keeping the plural name by default', () => {
    const ddl = toWarehouseDdl(CONTRACT, 'fact_purchase_orders')
    assert.match(ddl, /CREATE TABLE IF NOT EXISTS dim_date/)
    assert.match(ddl, /CREATE TABLE IF NOT EXISTS fact_purchase_orders \(/)
    assert.match(ddl, /CREATE TABLE IF NOT EXISTS already/)
    assert.doesNotMatch(ddl, /IF NOT EXISTS IF NOT EXISTS/)
  })

  it('renames the purchase fact when the setting asks for the singular', () => {
    const ddl = toWarehouseDdl(CONTRACT, 'fact_purchase_order')
    assert.match(ddl, /CREATE TABLE IF NOT EXISTS fact_purchase_order \(/)
    assert.doesNotMatch(ddl, /fact_purchase_orders/)
  })

  it('indexes a fact on its version key', () => {
    assert.equal(
      toFactVersionIndexDdl('fact_sales_order', 'fact_sales_order'),
      'CREATE INDEX IF NOT EXISTS "fact_sales_order_version_idx" ON "fact_sales_order" ("sales_order_id", "last_updated_date", "last_updated_time")',
    )
  })

  it('maps catalogue tables to physical names', () => {
    assert.equal(toPhysicalTable('fact_purchase_orders', 'fact_purchase_order'), 'fact_purchase_order')
    assert.equal(toPhysicalTable('dim_staff', 'fact_purchase_order'), 'dim_staff')
    assert.equal(toPhysicalTables('fact_purchase_order')[0], 'dim_date')
    assert.ok(toPhysicalTables('fact_purchase_order').includes('fact_purchase_order'))
  })
})
