/**
 * A backlog larger than the batch row limit (a first load) is cut into bounded batches, oldest changes
 * first. Tried on the real snapshot on both kinds of PostgreSQL: every row version lands exactly once,
 * no batch exceeds the limit, nothing arrives before what it points at (the transform holds nothing
 * back), the warehouse verifies clean; ties at a cut, and a crash between two batches, lose nothing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SOURCE_TABLES } from '../../src/core/source-catalogue.ts'
import { runListIngestionBatches } from '../../src/extract/ingestion-batches.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { memoryLog } from '../../src/log.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { runVerify } from '../../src/verify/run-verify.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { readBatch, versionsInLake } from '../support/read-batch.ts'
import { SNAPSHOT_COUNTS } from '../support/snapshot-counts.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const LAG_MS = 120_000
const TOTAL = Object.values(SNAPSHOT_COUNTS).reduce((a, b) => a + b, 0)

for (const kind of DATABASE_KINDS) {
  describe(`bounded extract batches on ${kind} PostgreSQL`, () => {
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

    it('a first load over the limit: bounded batches, every version once, nothing before its target, verify clean', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const ingestion = await createTempStore()
      const processed = await createTempStore()
      stores.push(ingestion, processed)
      const log = memoryLog()
      const deps = { source: source.db, ingestion: ingestion.store, log }

      const result = await runExtract(deps, { lagMs: LAG_MS, maxBatchRows: 2500 })
      assert.equal(result.outcome, 'committed')
      assert.equal(result.more, false)
      assert.ok(result.batches.length >= Math.ceil(TOTAL / 2500), `${result.batches.length} batches`)
      assert.deepEqual(await runListIngestionBatches(ingestion.store), result.batches)
      for (const table of SOURCE_TABLES) assert.equal(result.rows[table], SNAPSHOT_COUNTS[table], table)
      for (const id of result.batches) {
        const { manifest } = await readBatch(ingestion.store, id)
        const rows = manifest.tables.reduce((n, e) => n + e.rows, 0)
        assert.ok(rows <= 2500, `batch ${id} holds ${rows} rows`)
      }
      const versions = await versionsInLake(ingestion.store, result.batches)
      assert.equal(versions.length, TOTAL)
      assert.equal(new Set(versions).size, TOTAL, 'no version in two batches')

      const transformed = await runTransform({ ingestion: ingestion.store, processed: processed.store, log })
      assert.equal(transformed.batches.length, result.batches.length)
      assert.deepEqual(
        transformed.batches.flatMap((b) => b.quarantined),
        [],
        'no row arrived before what it points at',
      )
      await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
      const loaded = await runLoad({
        warehouse: warehouse.db,
        processed: processed.store,
        log,
        purchaseFactTable: 'fact_purchase_orders',
      })
      assert.equal(loaded.loaded.length, result.batches.length)
      const report = await runVerify({
        source: source.db,
        warehouse: warehouse.db,
        ingestion: ingestion.store,
        processed: processed.store,
        purchaseFactTable: 'fact_purchase_orders',
        lagMs: LAG_MS,
      })
      assert.deepEqual(report.problems, [])
      assert.equal(report.warehouseRows.fact_payment, SNAPSHOT_COUNTS.payment)

      // 50 payments changed in one millisecond, cut every 7 rows: each new version once, none lost.
      await source.db.exec(
        "UPDATE payment SET paid = NOT paid, last_updated = '2030-01-01 00:00:00' WHERE payment_id <= 50",
      )
      const ties = await runExtract(deps, { lagMs: LAG_MS, maxBatchRows: 7 })
      assert.equal(ties.batches.length, Math.ceil(50 / 7))
      const tied = (await versionsInLake(ingestion.store, ties.batches)).sort()
      assert.deepEqual(
        tied,
        Array.from({ length: 50 }, (_, i) => `payment:${i + 1}@2030-01-01 00:00:00`).sort(),
      )
      const idle = await runExtract(deps, { lagMs: LAG_MS, maxBatchRows: 7 })
      assert.equal(idle.outcome, 'no-changes')
    })

    it('a deadline stops it after the batch in hand, saying more is waiting; the next run carries on', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const ingestion = await createTempStore()
      stores.push(ingestion)
      const deps = { source: source.db, ingestion: ingestion.store, log: memoryLog() }
      const first = await runExtract(deps, { lagMs: LAG_MS, maxBatchRows: 10_000, untilMs: Date.now() })
      assert.deepEqual([first.batches, first.more], [['0000000001'], true])
      const rest = await runExtract(deps, { lagMs: LAG_MS, maxBatchRows: 10_000 })
      assert.equal(rest.batches[0], '0000000002')
      assert.equal(rest.more, false)
    })

    it('a crash between two bounded batches keeps the committed ones; the rerun carries on, losing and repeating nothing', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const ingestion = await createTempStore()
      stores.push(ingestion)
      let manifests = 0
      const crashing = {
        source: source.db,
        ingestion: ingestion.store,
        log: memoryLog(),
        faults: (point: string) => {
          if (point === 'before-manifest' && ++manifests === 3)
            throw new Error('killed before batch 3 commits')
        },
      }
      await assert.rejects(runExtract(crashing, { lagMs: LAG_MS, maxBatchRows: 4000 }), /killed/)
      assert.deepEqual(await runListIngestionBatches(ingestion.store), ['0000000001', '0000000002'])
      const rest = await runExtract(
        { source: source.db, ingestion: ingestion.store, log: memoryLog() },
        { lagMs: LAG_MS, maxBatchRows: 4000 },
      )
      assert.equal(rest.batches[0], '0000000003')
      const all = await runListIngestionBatches(ingestion.store)
      const versions = await versionsInLake(ingestion.store, all)
      const current = await source.db.query<{ n: number }>(
        `SELECT (${SOURCE_TABLES.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ')})::int AS n`,
      )
      assert.equal(versions.length, current[0]?.n)
      assert.equal(new Set(versions).size, versions.length)
    })
  })
}
