/**
 * `run` with its stages overlapping: a first load cut into many bounded batches, transform following
 * each extracted batch and load each transformed one, lands every batch once, in order, and verify calls
 * the warehouse clean.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runReadLedgerBatchIds } from '../../src/load/load-ledger.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { memoryLog } from '../../src/log.ts'
import { type PipelineDeps, runPipelineOnce } from '../../src/service/pipeline.ts'
import { runVerify } from '../../src/verify/run-verify.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const LAG_MS = 120_000

for (const kind of DATABASE_KINDS) {
  describe(`run with overlapping stages on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    let warehouse: TestDatabase | undefined
    const stores: { remove(): Promise<void> }[] = []
    let deps: PipelineDeps

    before(async () => {
      source = await createSnapshotSource(kind)
      warehouse = await createTestDatabase(kind)
      if (!source || !warehouse) return
      const ingestion = await createTempStore()
      const processed = await createTempStore()
      stores.push(ingestion, processed)
      deps = {
        source: async () => source!.db,
        warehouse: async () => warehouse!.db,
        ingestion: ingestion.store,
        processed: processed.store,
        log: memoryLog(),
        lagMs: LAG_MS,
        // The 30k-row snapshot in batches of at most 4,000 rows: nine or more batches to pipeline.
        batchRows: 4_000,
        purchaseFactTable: 'fact_purchase_orders',
      }
      await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
    })
    after(async () => {
      await source?.drop()
      await warehouse?.drop()
      for (const s of stores) await s.remove()
    })

    it('transforms and loads every extracted batch once, in order, and verify is clean', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const result = await runPipelineOnce(deps)
      const extracted = result.extract.batches
      assert.ok(extracted.length >= 8, `batches: ${extracted.length}`)
      assert.deepEqual(
        result.transform.batches.filter((b) => b.committed).map((b) => b.batchId),
        extracted,
      )
      assert.deepEqual(
        result.load.loaded.map((b) => b.batchId),
        extracted,
      )
      assert.deepEqual(await runReadLedgerBatchIds(warehouse.db), extracted)
      const report = await runVerify({
        source: source.db,
        warehouse: warehouse.db,
        ingestion: deps.ingestion,
        processed: deps.processed,
        purchaseFactTable: 'fact_purchase_orders',
        lagMs: LAG_MS,
      })
      assert.deepEqual(report.problems, [])
      assert.equal(report.warehouseRows.fact_payment, 9899)

      // A second run finds nothing to do.
      const again = await runPipelineOnce(deps)
      assert.equal(again.extract.outcome, 'no-changes')
      assert.deepEqual(again.transform.batches, [])
      assert.deepEqual(again.load.loaded, [])
    })
  })
}
