import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { PurchaseFactTable } from '../../src/config.ts'
import { manifestKey } from '../../src/core/batch-id.ts'
import { ConfigError, DataError } from '../../src/core/errors.ts'
import { PROCESSED_MANIFEST } from '../../src/core/manifests/processed.ts'
import type { Database } from '../../src/io/database.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import { getText } from '../../src/io/object-store.ts'
import { runReadLedger, runReadLoadedWatermarks } from '../../src/load/load-ledger.ts'
import { LOAD_FAULT_POINTS } from '../../src/load/load-target.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { runResetWarehouse } from '../../src/load/run-reset-warehouse.ts'
import { memoryLog } from '../../src/log.ts'
import {
  runReadDateCoverage,
  runReadKeyCounts,
  toDateCoverageProblems,
  toFactVersionDifferences,
  toTableDifferences,
} from '../../src/verify/verify-warehouse.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import {
  aDimStaff,
  aFactSalesOrder,
  type FixtureRow,
  writeProcessedBatch,
} from '../support/processed-fixture.ts'
import { EXPECTED_COUNTS, SEQUENCE, writeSequence } from './load-fixtures.ts'
import { countsOf, readWarehouseState, type WarehouseState } from './warehouse-state.ts'

async function freshStore(): Promise<{ store: FolderStore; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'load-test-'))
  return { store: new FolderStore(dir), remove: () => rm(dir, { recursive: true, force: true }) }
}

const pft: PurchaseFactTable = 'fact_purchase_orders'

async function resetAndInit(db: Database, purchaseFactTable: PurchaseFactTable = pft): Promise<void> {
  await runResetWarehouse(db)
  await runInitWarehouse(db, { purchaseFactTable })
}

for (const kind of DATABASE_KINDS) {
  describe(`load on ${kind} PostgreSQL`, () => {
    let test: TestDatabase | undefined
    let db: Database
    let sequence: { store: FolderStore; remove(): Promise<void> }
    let afterFirst: WarehouseState
    let afterAll: WarehouseState
    const deps = (store: FolderStore, extra: object = {}) => ({
      warehouse: db,
      processed: store,
      log: memoryLog(),
      purchaseFactTable: pft,
      ...extra,
    })

    before(async () => {
      test = await createTestDatabase(kind)
      if (!test) return
      db = test.db
      sequence = await freshStore()
      await writeSequence(sequence.store)
      await resetAndInit(db)
      await runLoad(deps(sequence.store), { untilBatchId: '0000000001' })
      afterFirst = await readWarehouseState(db)
      await runLoad(deps(sequence.store))
      afterAll = await readWarehouseState(db)
    })
    after(async () => {
      await test?.drop()
      await sequence?.remove()
    })

    it('loads a batch sequence: dims upserted, each fact version appended once, ledger and watermarks kept', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await resetAndInit(db)
      const log = memoryLog()
      const result = await runLoad({ ...deps(sequence.store), log })
      assert.deepEqual(
        result.loaded.map((b) => b.batchId),
        SEQUENCE.map((b) => b.batchId),
      )
      assert.deepEqual(result.loaded[1]?.tables.dim_staff, { rows: 1, inserted: 0, updated: 1 })
      assert.deepEqual(result.loaded[1]?.tables.dim_counterparty, { rows: 1, inserted: 0, updated: 0 })
      assert.deepEqual(result.loaded[1]?.tables.fact_purchase_orders, { rows: 1, inserted: 0, updated: 0 })
      assert.deepEqual(result.loaded[2]?.tables.dim_date, { rows: 37, inserted: 30, updated: 0 })
      assert.equal(result.loaded[1]?.tables.dim_date, undefined)
      const state = await readWarehouseState(db)
      assert.deepEqual(countsOf(state), EXPECTED_COUNTS)
      assert.deepEqual(state, afterAll)
      assert.equal(state.dim_staff.find((r) => r.staff_id === '1')?.last_name, 'Franey-Smith')
      // Empty strings stay empty strings and NULLs stay NULL through parquet, CSV and COPY.
      assert.equal(state.dim_design.find((r) => r.design_id === '2')?.file_location, '')
      assert.equal(state.dim_location.find((r) => r.location_id === '1')?.address_line_2, null)
      assert.equal(state.dim_location.find((r) => r.location_id === '2')?.city, "O'Keefe")
      assert.deepEqual(
        state.fact_payment.map((r) => [r.payment_id, r.paid, r.payment_amount, r.last_updated_time]),
        [
          ['1', 'false', '56925.44', '12:00:00.000'],
          ['1', 'true', '56925.44', '11:00:00.000'],
          ['2', 'false', '0.05', '10:00:00.500'],
        ],
      )
      const [money] = await db.query<{ v: string }>(
        'SELECT unit_price::text AS v FROM fact_sales_order WHERE sales_order_id = 2',
      )
      assert.equal(money?.v, '3.00')
      const ledger = await runReadLedger(db)
      assert.deepEqual(
        ledger.map((e) => [e.batchId, e.sourceCreatedAt]),
        [
          ['0000000001', '2024-02-01 12:00:00'],
          ['0000000002', '2024-02-02 12:00:00'],
          ['0000000003', '2024-02-03 12:00:00'],
        ],
      )
      assert.deepEqual(ledger[0]?.rows.fact_sales_order, { rows: 1, inserted: 1, updated: 0 })
      assert.deepEqual(await runReadLoadedWatermarks(db), {
        payment: '2024-02-03 10:00:00.500',
        sales_order: '2024-02-02 09:30:00.123',
        staff: '2024-02-02 08:00:00.000',
      })
      assert.equal(log.entries.filter((e) => e.message === 'batch loaded').length, 3)
    })

    it('is idempotent: a second load applies nothing and changes nothing', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const again = await runLoad(deps(sequence.store))
      assert.deepEqual(again, { loaded: [], skipped: [] })
      assert.deepEqual(await readWarehouseState(db), afterAll)
    })

    it('verify queries read versions, rows and date coverage that match what was loaded', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const expectedSales = SEQUENCE.flatMap(
        (b) => (b.tables.fact_sales_order as FixtureRow[] | undefined) ?? [],
      )
      const versions = await runReadKeyCounts(db, 'fact_sales_order', pft)
      assert.deepEqual(toFactVersionDifferences('fact_sales_order', expectedSales, versions), {
        table: 'fact_sales_order',
        missing: [],
        unexpected: [],
        duplicated: [],
        stale: [],
      })
      const staff = afterAll.dim_staff.map((row) =>
        row.staff_id === '2' ? { ...row, first_name: 'Changed' } : row,
      )
      const differences = toTableDifferences('dim_staff', staff, afterAll.dim_staff)
      assert.deepEqual(differences.stale, [{ key: '2', columns: ['first_name'] }])
      const coverage = await runReadDateCoverage(db, pft)
      assert.deepEqual(coverage, {
        first: '2024-01-01',
        last: '2024-04-30',
        days: 121,
        gaps: [],
        missingReferenced: [],
      })
      await db
        .transaction(async (tx) => {
          await tx.exec("DELETE FROM dim_date WHERE date_id = '2024-01-15'")
          assert.deepEqual(toDateCoverageProblems(await runReadDateCoverage(tx, pft)), [
            'dim_date is not contiguous between 2024-01-01 and 2024-04-30: lacks 2024-01-15',
          ])
          throw new Error('undo')
        })
        .catch((error: Error) => assert.equal(error.message, 'undo'))
    })

    it('rebuild (reset, init, load) gives the same warehouse, record ids aside', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await resetAndInit(db)
      await runLoad(deps(sequence.store))
      assert.deepEqual(await readWarehouseState(db), afterAll)
      assert.equal((await runReadLedger(db)).length, 3)
    })

    for (const point of LOAD_FAULT_POINTS) {
      it(`a crash ${point} rolls the batch back whole; the rerun equals a clean load`, async (t) => {
        if (!test) return t.skip('no PostgreSQL server reachable')
        await resetAndInit(db)
        const faults = (at: string, batchId: string) => {
          if (at === point && batchId === '0000000002') throw new Error(`injected crash ${at}`)
        }
        await assert.rejects(runLoad(deps(sequence.store, { faults })), /injected crash/)
        assert.deepEqual(await readWarehouseState(db), afterFirst)
        assert.deepEqual(
          (await runReadLedger(db)).map((e) => e.batchId),
          ['0000000001'],
        )
        const rerun = await runLoad(deps(sequence.store))
        assert.deepEqual(
          rerun.loaded.map((b) => b.batchId),
          ['0000000002', '0000000003'],
        )
        assert.deepEqual(await readWarehouseState(db), afterAll)
      })
    }

    it('a fact referencing a missing dimension key fails the batch with its id and table, and rolls it back', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await freshStore()
      try {
        await writeSequence(store, 1)
        await writeProcessedBatch(store, {
          batchId: '0000000002',
          tables: {
            dim_staff: [aDimStaff({ staff_id: 5 })],
            fact_sales_order: [aFactSalesOrder({ sales_order_id: 9, sales_staff_id: 77 })],
          },
        })
        await resetAndInit(db)
        await assert.rejects(runLoad(deps(store)), (error: unknown) => {
          assert.ok(error instanceof DataError)
          assert.match(error.message, /batch 0000000002.*fact_sales_order.*dimension key/)
          assert.deepEqual(error.ids, { stage: 'load', batchId: '0000000002', table: 'fact_sales_order' })
          return true
        })
        assert.deepEqual(await readWarehouseState(db), afterFirst)
      } finally {
        await remove()
      }
    })

    it('refuses a parquet file whose checksum does not match its manifest', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await freshStore()
      try {
        await writeSequence(store, 1)
        const manifest = PROCESSED_MANIFEST.parse(
          (await getText(store, manifestKey('0000000001'))) ?? '',
          'processed manifest',
        )
        const staff = manifest.tables.find((e) => e.table === 'dim_staff')
        const other = manifest.tables.find((e) => e.table === 'dim_design')
        await store.put(staff?.key ?? '', (await store.get(other?.key ?? '')) ?? '')
        await resetAndInit(db)
        await assert.rejects(runLoad(deps(store)), /sha256/)
        assert.deepEqual(await runReadLedger(db), [])
      } finally {
        await remove()
      }
    })

    it('refuses a manifest whose row counts disagree with its files, or that does not parse', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await freshStore()
      try {
        await writeSequence(store, 2)
        const key = manifestKey('0000000001')
        const original = (await getText(store, key)) ?? ''
        const manifest = PROCESSED_MANIFEST.parse(original, 'processed manifest')
        const tables = manifest.tables.map((e) => (e.table === 'dim_staff' ? { ...e, rows: 3 } : e))
        await store.put(key, PROCESSED_MANIFEST.serialise({ ...manifest, tables }))
        await resetAndInit(db)
        await assert.rejects(runLoad(deps(store)), /batch 0000000001: .* holds 2 rows, the manifest says 3/)
        await store.put(key, original)
        await store.put(manifestKey('0000000002'), '{"format": "totesys-etl.processed/1"')
        await assert.rejects(runLoad(deps(store)), (error: unknown) => {
          assert.ok(error instanceof DataError)
          assert.match(error.message, /processed manifest of batch 0000000002 does not parse/)
          return true
        })
        assert.deepEqual(
          (await runReadLedger(db)).map((e) => e.batchId),
          ['0000000001'],
        )
      } finally {
        await remove()
      }
    })

    it('a dimension key twice in one batch fails the batch, naming it and the table', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await freshStore()
      try {
        await writeProcessedBatch(store, {
          batchId: '0000000001',
          tables: { dim_staff: [aDimStaff(), aDimStaff({ first_name: 'Other' })] },
        })
        await resetAndInit(db)
        await assert.rejects(runLoad(deps(store)), (error: unknown) => {
          assert.ok(error instanceof DataError)
          assert.match(error.message, /loading batch 0000000001: upserting dim_staff failed/)
          return true
        })
      } finally {
        await remove()
      }
    })

    it('loads up to a gap in the batch sequence and waits there', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await freshStore()
      try {
        await writeSequence(store, 1)
        await writeProcessedBatch(store, { ...SEQUENCE[2]!, batchId: '0000000003' })
        await resetAndInit(db)
        const result = await runLoad(deps(store))
        assert.deepEqual(
          result.loaded.map((b) => b.batchId),
          ['0000000001'],
        )
        assert.equal(result.waitingFor, '0000000002')
      } finally {
        await remove()
      }
    })

    it('asks for init when the warehouse lacks its tables or the ledger', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await runResetWarehouse(db)
      await assert.rejects(runLoad(deps(sequence.store)), (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        assert.match(error.message, /run 'totesys-etl init'/)
        return true
      })
    })

    it('fact_purchase_order setting: init creates the singular table and the load fills it', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await resetAndInit(db, 'fact_purchase_order')
      const [names] = await db.query<{ singular: boolean; plural: boolean }>(
        "SELECT to_regclass('fact_purchase_order') IS NOT NULL AS singular, to_regclass('fact_purchase_orders') IS NOT NULL AS plural",
      )
      assert.deepEqual(names, { singular: true, plural: false })
      await runLoad({ ...deps(sequence.store), purchaseFactTable: 'fact_purchase_order' })
      assert.deepEqual(await readWarehouseState(db, 'fact_purchase_order'), afterAll)
      await assert.rejects(runLoad(deps(sequence.store)), /fact_purchase_orders/)
    })
  })
}
