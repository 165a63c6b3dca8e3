import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError } from '../../src/core/errors.ts'
import { WAREHOUSE_TABLES } from '../../src/core/warehouse-catalogue.ts'
import type { Database } from '../../src/io/database.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import { warehouseDb } from '../../src/io/warehouse-db.ts'
import { runReadLedger } from '../../src/load/load-ledger.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { runResetWarehouse } from '../../src/load/run-reset-warehouse.ts'
import { memoryLog } from '../../src/log.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { EXPECTED_COUNTS, writeSequence } from './load-fixtures.ts'
import { countsOf, readWarehouseState } from './warehouse-state.ts'

const CONTRACT = new URL('../../sql/warehouse.sql', import.meta.url)

async function indexesOf(db: Database): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "SELECT indexname AS name FROM pg_indexes WHERE indexname LIKE '%version_idx' OR indexname LIKE '%date_idx' ORDER BY 1",
  )
  return rows.map((row) => row.name)
}

for (const kind of DATABASE_KINDS) {
  describe(`init and the typed query layer on ${kind} PostgreSQL`, () => {
    let test: TestDatabase | undefined
    before(async () => {
      test = await createTestDatabase(kind)
    })
    after(async () => {
      await test?.drop()
    })

    it('creates the warehouse, a version index per fact, the payment date index of the API and the ledger; a second run creates nothing', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await runResetWarehouse(test.db)
      const first = await runInitWarehouse(test.db, { purchaseFactTable: 'fact_purchase_orders' })
      assert.deepEqual([...first.createdTables].sort(), [...WAREHOUSE_TABLES].sort())
      assert.deepEqual(await indexesOf(test.db), [
        'fact_payment_date_idx',
        'fact_payment_version_idx',
        'fact_purchase_orders_version_idx',
        'fact_sales_order_version_idx',
      ])
      assert.deepEqual(await runReadLedger(test.db), [])
      const second = await runInitWarehouse(test.db, { purchaseFactTable: 'fact_purchase_orders' })
      assert.deepEqual(second.createdTables, [])
    })

    it('against a prepared warehouse holding data, adds only the bookkeeping', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await runResetWarehouse(test.db)
      await test.db.exec(await readFile(CONTRACT, 'utf8'))
      await test.db.exec(
        `INSERT INTO dim_date VALUES ('2024-01-01', 2024, 1, 1, 1, 'Monday', 'January', 1);
         INSERT INTO dim_currency VALUES (1, 'GBP', 'Pound Sterling');`,
      )
      const result = await runInitWarehouse(test.db, { purchaseFactTable: 'fact_purchase_orders' })
      assert.deepEqual(result.createdTables, [])
      assert.deepEqual(await indexesOf(test.db), [])
      const [counts] = await test.db.query<{ dates: number; currencies: number }>(
        'SELECT (SELECT count(*) FROM dim_date)::int AS dates, (SELECT count(*) FROM dim_currency)::int AS currencies',
      )
      assert.deepEqual(counts, { dates: 1, currencies: 1 })
      assert.deepEqual(await runReadLedger(test.db), [])
      // The load then works on top of the prepared tables and their rows.
      const dir = await mkdtemp(join(tmpdir(), 'init-test-'))
      try {
        const store = new FolderStore(dir)
        await writeSequence(store)
        const deps = {
          warehouse: test.db,
          processed: store,
          log: memoryLog(),
          purchaseFactTable: 'fact_purchase_orders',
        } as const
        const result = await runLoad(deps)
        assert.deepEqual(result.loaded[0]?.tables.dim_currency, { rows: 2, inserted: 1, updated: 0 })
        assert.deepEqual(countsOf(await readWarehouseState(test.db)), EXPECTED_COUNTS)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    })

    it('refuses a purchase fact name that does not match the prepared warehouse, and a table lacking columns', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await runResetWarehouse(test.db)
      await runInitWarehouse(test.db, { purchaseFactTable: 'fact_purchase_order' })
      await assert.rejects(
        runInitWarehouse(test.db, { purchaseFactTable: 'fact_purchase_orders' }),
        (error: unknown) =>
          error instanceof ConfigError && /PURCHASE_FACT_TABLE=fact_purchase_order\b/.test(error.message),
      )
      await test.db.exec('ALTER TABLE dim_staff DROP COLUMN email_address')
      await assert.rejects(
        runInitWarehouse(test.db, { purchaseFactTable: 'fact_purchase_order' }),
        (error: unknown) =>
          error instanceof ConfigError && /dim_staff lacks columns email_address/.test(error.message),
      )
    })

    it('runs typed queries; dates, times and money come back as text', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await runResetWarehouse(test.db)
      await runInitWarehouse(test.db, { purchaseFactTable: 'fact_purchase_orders' })
      const db = warehouseDb(test.db)
      await db
        .insertInto('dim_date')
        .values({
          date_id: '2024-02-29',
          year: 2024,
          month: 2,
          day: 29,
          day_of_week: 4,
          day_name: 'Thursday',
          month_name: 'February',
          quarter: 1,
        })
        .execute()
      await db
        .insertInto('dim_currency')
        .values({ currency_id: 1, currency_code: 'GBP', currency_name: 'Pound Sterling' })
        .execute()
      const date = await db
        .selectFrom('dim_date')
        .selectAll()
        .where('date_id', '=', '2024-02-29')
        .executeTakeFirstOrThrow()
      assert.equal(date.date_id, '2024-02-29')
      assert.equal(date.year, 2024)
      const currency = await db.selectFrom('dim_currency').select(['currency_code']).executeTakeFirst()
      assert.equal(currency?.currency_code, 'GBP')
    })

    it('commits a Kysely transaction, and rolls it back when the callback throws', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const db = warehouseDb(test.db)
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('dim_payment_type')
          .values({ payment_type_id: 1, payment_type_name: 'SALES_RECEIPT' })
          .execute()
      })
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await trx
            .insertInto('dim_payment_type')
            .values({ payment_type_id: 2, payment_type_name: 'SALES_REFUND' })
            .execute()
          throw new Error('changed my mind')
        }),
        /changed my mind/,
      )
      const ids = await db
        .selectFrom('dim_payment_type')
        .select('payment_type_id')
        .orderBy('payment_type_id')
        .execute()
      assert.deepEqual(ids, [{ payment_type_id: 1 }])
    })

    it('runs inside one of our transactions, and refuses to nest another', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await assert.rejects(
        test.db.transaction(async (tx) => {
          const db = warehouseDb(tx)
          await db
            .insertInto('dim_payment_type')
            .values({ payment_type_id: 3, payment_type_name: 'PURCHASE_PAYMENT' })
            .execute()
          await db.transaction().execute(async () => {})
        }),
        /already runs inside a transaction/,
      )
      const row = await warehouseDb(test.db)
        .selectFrom('dim_payment_type')
        .select('payment_type_id')
        .where('payment_type_id', '=', 3)
        .executeTakeFirst()
      assert.equal(row, undefined)
    })
  })
}
