/**
 * Golden test: the whole real snapshot as one batch. Every warehouse table is compared, as a set, with
 * expectations written independently here as plain SQL over the snapshot CSVs (DuckDB's own type
 * detection, no shared code with the models); then the parquet schema is read back from its metadata.
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { SOURCE_TABLES } from '../../src/core/source-catalogue.ts'
import type { WarehouseTable } from '../../src/core/warehouse-catalogue.ts'
import { type DuckDb, openDuckDb, sqlString } from '../../src/io/duckdb.ts'
import { memoryLog } from '../../src/log.ts'
import { snapshotDir } from '../../src/simulator/load-snapshot.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { writeIngestionBatch } from '../support/ingestion-fixture.ts'
import { SNAPSHOT_COUNTS } from '../support/snapshot-counts.ts'
import { processedManifest, type Stores, tempStores } from './support.ts'

const COUNTS = SNAPSHOT_COUNTS

const SNAPSHOT_DIR = snapshotDir()
const csv = (t: string) => `read_csv_auto(${sqlString(join(SNAPSHOT_DIR, `${t}.csv`))}, header = true)`
/** The raw text split by position: a different path from the models' TIMESTAMP → DATE/TIME casts. */
const split = (c: string) => `CAST(left(${c}, 10) AS DATE), CAST(substr(${c}, 12) AS TIME)`

const EXPECTED: Record<WarehouseTable, string> = {
  dim_location: `SELECT address_id, address_line_1, address_line_2, district, city, postal_code, country, phone FROM ${csv('address')}`,
  dim_counterparty: `SELECT c.counterparty_id, c.counterparty_legal_name, a.address_line_1, a.address_line_2, a.district, a.city, a.postal_code, a.country, a.phone
    FROM ${csv('counterparty')} c JOIN ${csv('address')} a ON a.address_id = c.legal_address_id`,
  dim_staff: `SELECT s.staff_id, s.first_name, s.last_name, d.department_name, d.location, s.email_address
    FROM ${csv('staff')} s JOIN ${csv('department')} d USING (department_id)`,
  dim_currency: `SELECT currency_id, currency_code, CASE currency_code WHEN 'GBP' THEN 'Pound Sterling' WHEN 'USD' THEN 'US Dollar' WHEN 'EUR' THEN 'Euro' END FROM ${csv('currency')}`,
  dim_design: `SELECT design_id, design_name, file_location, file_name FROM ${csv('design')}`,
  dim_payment_type: `SELECT payment_type_id, payment_type_name FROM ${csv('payment_type')}`,
  dim_transaction: `SELECT transaction_id, transaction_type, sales_order_id, purchase_order_id FROM ${csv('transaction')}`,
  fact_sales_order: `SELECT sales_order_id, ${split('created_at')},
      ${split('last_updated')}, staff_id, counterparty_id, units_sold,
      CAST(unit_price AS VARCHAR), currency_id, design_id, agreed_payment_date::DATE, agreed_delivery_date::DATE, agreed_delivery_location_id
    FROM read_csv(${sqlString(join(SNAPSHOT_DIR, 'sales_order.csv'))}, header = true, all_varchar = true)`,
  fact_purchase_orders: `SELECT purchase_order_id, ${split('created_at')},
      ${split('last_updated')}, staff_id::INT, counterparty_id::INT, item_code,
      item_quantity::INT, item_unit_price, currency_id::INT, agreed_delivery_date::DATE, agreed_payment_date::DATE, agreed_delivery_location_id::INT
    FROM read_csv(${sqlString(join(SNAPSHOT_DIR, 'purchase_order.csv'))}, header = true, all_varchar = true)`,
  fact_payment: `SELECT payment_id, ${split('created_at')},
      ${split('last_updated')}, transaction_id::INT, counterparty_id::INT,
      payment_amount, currency_id::INT, payment_type_id::INT, paid = 't', payment_date::DATE
    FROM read_csv(${sqlString(join(SNAPSHOT_DIR, 'payment.csv'))}, header = true, all_varchar = true)`,
  dim_date: '',
}

describe('the real snapshot as one batch', () => {
  let s: Stores
  let db: DuckDb
  const files: Partial<Record<WarehouseTable, string>> = {}
  before(async () => {
    s = await tempStores()
    const tables: Record<string, { csvGzPath: string; rowCount: number }> = {}
    for (const t of SOURCE_TABLES) {
      const path = join(s.dir, `${t}.csv.gz`)
      await writeFile(path, gzipSync(await readFile(join(SNAPSHOT_DIR, `${t}.csv`))))
      tables[t] = { csvGzPath: path, rowCount: COUNTS[t] }
    }
    await writeIngestionBatch(s.ingestion, { createdAt: '2024-02-23 16:00:00.000', tables })
    const result = await runTransform({ ...s, log: memoryLog() })
    assert.equal(result.batches[0]?.quarantinedRows, 0)
    db = await openDuckDb()
    for (const t of (await processedManifest(s.processed, '0000000001')).tables) {
      if (t.key) files[t.table] = await s.processed.toLocalFile(t.key)
    }
  })
  after(async () => {
    await db.close()
    await s.cleanup()
  })
  const parquet = (t: WarehouseTable) =>
    `read_parquet(${sqlString(files[t] ?? '')}, hive_partitioning = false)`
  const asText = (q: string) => `SELECT COLUMNS(*)::VARCHAR FROM (${q})`

  for (const table of Object.keys(EXPECTED) as WarehouseTable[]) {
    if (table === 'dim_date') continue
    it(`${table} holds exactly the expected rows`, async () => {
      const produced = asText(`SELECT * FROM ${parquet(table)}`)
      const expected = asText(EXPECTED[table])
      const [diff] = await db.rows<{ missing: number; extra: number; n: number }>(
        `SELECT (SELECT CAST(count(*) AS INTEGER) FROM (${expected} EXCEPT ALL ${produced})) AS missing,
                (SELECT CAST(count(*) AS INTEGER) FROM (${produced} EXCEPT ALL ${expected})) AS extra,
                (SELECT CAST(count(*) AS INTEGER) FROM (${produced})) AS n`,
      )
      assert.deepEqual(diff, { missing: 0, extra: 0, n: diff?.n })
      assert.ok((diff?.n ?? 0) > 0)
    })
  }

  it('dim_date is contiguous, covers every fact date, and follows ISO conventions', async () => {
    const [r] = await db.rows<{ n: number; span: number; uncovered: number }>(
      `WITH d AS (SELECT * FROM ${parquet('dim_date')}),
       refs AS (SELECT created_date x FROM ${parquet('fact_sales_order')} UNION SELECT agreed_delivery_date FROM ${parquet('fact_sales_order')}
                UNION SELECT agreed_payment_date FROM ${parquet('fact_sales_order')} UNION SELECT last_updated_date FROM ${parquet('fact_purchase_orders')}
                UNION SELECT agreed_delivery_date FROM ${parquet('fact_purchase_orders')} UNION SELECT payment_date FROM ${parquet('fact_payment')}
                UNION SELECT last_updated_date FROM ${parquet('fact_payment')})
       SELECT CAST(count(*) AS INTEGER) n, CAST(max(date_id) - min(date_id) + 1 AS INTEGER) span,
              (SELECT CAST(count(*) AS INTEGER) FROM refs WHERE x NOT IN (SELECT date_id FROM d)) uncovered FROM d`,
    )
    assert.equal(r?.n, r?.span)
    assert.equal(r?.uncovered, 0)
    const rows = await db.rows(
      `SELECT * FROM ${parquet('dim_date')} WHERE date_id IN ('2024-02-23', '2023-01-01', '2022-12-31') ORDER BY date_id`,
    )
    assert.deepEqual(rows, [
      {
        date_id: '2022-12-31',
        year: 2022,
        month: 12,
        day: 31,
        day_of_week: 6,
        day_name: 'Saturday',
        month_name: 'December',
        quarter: 4,
      },
      {
        date_id: '2023-01-01',
        year: 2023,
        month: 1,
        day: 1,
        day_of_week: 7,
        day_name: 'Sunday',
        month_name: 'January',
        quarter: 1,
      },
      {
        date_id: '2024-02-23',
        year: 2024,
        month: 2,
        day: 23,
        day_of_week: 5,
        day_name: 'Friday',
        month_name: 'February',
        quarter: 1,
      },
    ])
  })

  it('writes the parquet logical types the load expects (DECIMAL(10,2), DATE, TIME, INT32, UTF8, BOOLEAN)', async () => {
    const schema = await db.rows<Record<string, string | null>>(
      `SELECT name, type, converted_type, CAST(precision AS VARCHAR) AS precision, CAST(scale AS VARCHAR) AS scale, logical_type
       FROM parquet_schema(${sqlString(files.fact_payment ?? '')}) WHERE name <> 'duckdb_schema'`,
    )
    const byName = Object.fromEntries(schema.map((c) => [c.name, c]))
    assert.deepEqual(
      [byName.payment_amount?.converted_type, byName.payment_amount?.precision, byName.payment_amount?.scale],
      ['DECIMAL', '10', '2'],
    )
    assert.equal(byName.payment_id?.converted_type, 'INT_32')
    assert.equal(byName.payment_date?.converted_type, 'DATE')
    assert.equal(byName.created_time?.converted_type, 'TIME_MICROS')
    assert.match(byName.created_time?.logical_type ?? '', /isAdjustedToUTC=0/)
    assert.equal(byName.paid?.type, 'BOOLEAN')
    assert.deepEqual(
      schema.map((c) => c.name),
      [
        'payment_id',
        'created_date',
        'created_time',
        'last_updated_date',
        'last_updated_time',
        'transaction_id',
        'counterparty_id',
        'payment_amount',
        'currency_id',
        'payment_type_id',
        'paid',
        'payment_date',
      ],
    )
    const [meta] = await db.rows<{ n: string }>(
      `SELECT CAST(num_rows AS VARCHAR) AS n FROM parquet_file_metadata(${sqlString(files.fact_payment ?? '')})`,
    )
    assert.equal(meta?.n, '9899')
    const [money] = await db.rows(
      `SELECT payment_amount FROM ${parquet('fact_payment')} WHERE payment_id = 1 AND paid`,
    )
    assert.deepEqual(money, { payment_amount: '56925.44' })
  })
})
