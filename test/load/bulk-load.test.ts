/**
 * Bulk fact appends (foreign keys dropped and re-created in the batch's transaction) give the same
 * warehouse as row-by-row checks, keep every key, and still refuse a fact whose dimension is missing.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DataError } from '../../src/core/errors.ts'
import type { Database } from '../../src/io/database.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { runResetWarehouse } from '../../src/load/run-reset-warehouse.ts'
import { memoryLog } from '../../src/log.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { aDimStaff, aFactSalesOrder, writeProcessedBatch } from '../support/processed-fixture.ts'
import { writeSequence } from './load-fixtures.ts'
import { readWarehouseState } from './warehouse-state.ts'

const foreignKeys = async (db: Database) =>
  (
    await db.query<{ k: string }>(
      `SELECT c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid) AS k
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype = 'f' ORDER BY 1`,
    )
  ).map((r) => r.k)

for (const kind of DATABASE_KINDS) {
  describe(`bulk fact appends on ${kind} PostgreSQL`, () => {
    let test: TestDatabase | undefined
    let dir: string
    before(async () => {
      test = await createTestDatabase(kind)
      dir = await mkdtemp(join(tmpdir(), 'bulk-load-'))
    })
    after(async () => {
      await test?.drop()
      await rm(dir, { recursive: true, force: true })
    })
    const reset = async (db: Database) => {
      await runResetWarehouse(db)
      await runInitWarehouse(db, { purchaseFactTable: 'fact_purchase_orders' })
    }
    // Whatever share of the table the batch is: these tests are about the bulk path itself.
    const load = (db: Database, store: FolderStore, bulkFactRows: number) =>
      runLoad({
        warehouse: db,
        processed: store,
        log: memoryLog(),
        purchaseFactTable: 'fact_purchase_orders',
        bulkFactRows,
        bulkFactShare: Number.POSITIVE_INFINITY,
      })

    it('loads the same warehouse as row-by-row checks and keeps every foreign key', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const store = new FolderStore(join(dir, 'sequence'))
      await writeSequence(store)
      await reset(test.db)
      const keys = await foreignKeys(test.db)
      await load(test.db, store, Number.MAX_SAFE_INTEGER)
      const checked = await readWarehouseState(test.db)
      await reset(test.db)
      await load(test.db, store, 1)
      assert.deepEqual(await readWarehouseState(test.db), checked)
      assert.deepEqual(await foreignKeys(test.db), keys)
      assert.ok(keys.length >= 20, 'the warehouse has its foreign keys')
    })

    it('still refuses a fact whose dimension key is missing, and rolls the batch back with its keys', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const store = new FolderStore(join(dir, 'broken'))
      await writeSequence(store, 1)
      await writeProcessedBatch(store, {
        batchId: '0000000002',
        tables: {
          dim_staff: [aDimStaff({ staff_id: 5 })],
          fact_sales_order: [aFactSalesOrder({ sales_order_id: 9, sales_staff_id: 77 })],
        },
      })
      await reset(test.db)
      const keys = await foreignKeys(test.db)
      await load(test.db, store, Number.MAX_SAFE_INTEGER).catch(() => {})
      const afterFirst = await readWarehouseState(test.db)
      await assert.rejects(load(test.db, store, 1), (error: unknown) => {
        assert.ok(error instanceof DataError)
        assert.match(error.message, /batch 0000000002: checking the foreign keys of fact_sales_order failed/)
        return true
      })
      assert.deepEqual(await readWarehouseState(test.db), afterFirst)
      assert.deepEqual(await foreignKeys(test.db), keys)
    })

    it('appends in bulk only a batch big against the table, read from its pages when it was never analysed', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const store = new FolderStore(join(dir, 'share'))
      await writeSequence(store, 1)
      // aFactSalesOrder's values, for sales orders from, from + 1, …
      const versions = (from: number, n: number) => ({
        select: `SELECT (${from} + i)::INTEGER, DATE '2024-02-01', TIME '10:00:00', DATE '2024-02-01',
          TIME '10:00:00', 1, 1, 100, 2.50, 1, 1, DATE '2024-02-05', DATE '2024-02-04', 1 FROM range(${n}) t(i)`,
      })
      // 3,000 sales order versions, then 100 (1/30 of the table), then 400 (1/8 of it).
      const sizes = [3_000, 100, 400]
      let from = 100
      for (const [i, n] of sizes.entries()) {
        await writeProcessedBatch(store, {
          batchId: `000000000${i + 2}`,
          tables: { fact_sales_order: versions(from, n) },
        })
        from += n
      }
      await reset(test.db)
      // Never analysed, whatever the server's autovacuum does: reltuples stays -1 (it read as 0, empty).
      await test.db.exec('ALTER TABLE fact_sales_order SET (autovacuum_enabled = false)')
      const keyIds = async () =>
        (
          await test!.db.query<{ oid: string }>(
            "SELECT oid::text FROM pg_constraint WHERE conrelid = 'fact_sales_order'::regclass AND contype = 'f' ORDER BY conname",
          )
        ).map((r) => r.oid)
      const bulkByBatch: boolean[] = []
      for (const batchId of ['0000000001', '0000000002', '0000000003', '0000000004']) {
        const before = await keyIds()
        await runLoad(
          {
            warehouse: test.db,
            processed: store,
            log: memoryLog(),
            purchaseFactTable: 'fact_purchase_orders',
            bulkFactRows: 50,
          },
          { untilBatchId: batchId },
        )
        const afterLoad = await keyIds()
        assert.equal(afterLoad.length, before.length, 'every foreign key is there after the batch')
        bulkByBatch.push(afterLoad.some((oid) => !before.includes(oid)))
      }
      const [stats] = await test.db.query<{ reltuples: number }>(
        "SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'fact_sales_order'::regclass",
      )
      assert.equal(stats?.reltuples, -1, 'the fact table was never analysed')
      // Batch 1 has one fact (under 50): row by row; 3,000 into an empty table: bulk; 100 into 3,001
      // rows: row by row (read as an empty table, it went bulk); 400 into 3,101: bulk.
      assert.deepEqual(bulkByBatch, [false, true, false, true])
      const [count] = await test.db.query<{ n: number }>('SELECT count(*)::int AS n FROM fact_sales_order')
      assert.equal(count?.n, 1 + 3_000 + 100 + 400)
    })
  })
}
