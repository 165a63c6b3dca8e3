/**
 * verify while a load is committing batches: it reads the warehouse and its ledger in one snapshot and
 * the lake only up to that ledger, so it never reports a difference that is only a load in progress.
 * On the server the loader is another process (test/load/load-child.ts); on PGlite another task of this
 * process (PGlite is one connection: the load's transactions interleave with verify's statements).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { runExtract } from '../../src/extract/run-extract.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { memoryLog } from '../../src/log.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { runVerify, type VerifyReport } from '../../src/verify/run-verify.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { RUN_TS } from '../support/run-ts.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const LAG_MS = 120_000
const CHILD = new URL('../load/load-child.ts', import.meta.url).pathname

for (const kind of DATABASE_KINDS) {
  describe(`verify during concurrent loads on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    let warehouse: TestDatabase | undefined
    const stores: { remove(): Promise<void> }[] = []

    before(async () => {
      source = await createSnapshotSource(kind)
      warehouse = await createTestDatabase(kind)
    })
    after(async () => {
      await source?.drop()
      await warehouse?.drop()
      for (const s of stores) await s.remove()
    })

    it('never reports a false difference while batches commit, and is clean when the load is done', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const ingestion = await createTempStore()
      const processed = await createTempStore()
      stores.push(ingestion, processed)
      const log = memoryLog()
      // Small batches: the first load becomes ~30 commits, each its own load transaction.
      const extracted = await runExtract(
        { source: source.db, ingestion: ingestion.store, log },
        { lagMs: LAG_MS, maxBatchRows: 1000 },
      )
      assert.ok(extracted.batches.length >= 25, `${extracted.batches.length} batches`)
      await runTransform({ ingestion: ingestion.store, processed: processed.store, log })
      await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })

      let loading = true
      const loader =
        kind === 'server'
          ? new Promise<void>((resolve, reject) => {
              const child = spawn(process.execPath, [...RUN_TS, CHILD, warehouse!.url, processed.dir], {
                stdio: ['ignore', 'ignore', 'inherit'],
              })
              child.once('error', reject)
              child.once('exit', (code) =>
                code === 0 ? resolve() : reject(new Error(`loader exited ${code}`)),
              )
            })
          : runLoad({
              warehouse: warehouse.db,
              processed: processed.store,
              log: memoryLog(),
              purchaseFactTable: 'fact_purchase_orders',
            }).then(() => {})
      const done = loader.finally(() => {
        loading = false
      })
      const reports: VerifyReport[] = []
      const verify = () =>
        runVerify({
          source: source!.db,
          warehouse: warehouse!.db,
          ingestion: ingestion.store,
          processed: processed.store,
          purchaseFactTable: 'fact_purchase_orders',
          lagMs: LAG_MS,
        })
      while (loading) reports.push(await verify())
      await done
      reports.push(await verify())

      const during = reports.filter((r) => r.loadedBatches > 0 && r.loadedBatches < extracted.batches.length)
      assert.ok(
        during.length > 0,
        `some verify ran mid-load (saw ${reports.map((r) => r.loadedBatches).join(', ')})`,
      )
      for (const report of reports) {
        assert.deepEqual(report.differences, [], `after ${report.loadedBatches} batch(es)`)
        assert.ok(report.verdict === 'clean' || report.loadedBatches === 0, report.problems.join('\n'))
      }
      const last = reports.at(-1)!
      assert.equal(last.loadedBatches, extracted.batches.length)
      assert.equal(last.verdict, 'clean')
      assert.equal(last.exitCode, 0)
    })
  })
}
