/**
 * The lake's guarantees end to end, on both kinds of PostgreSQL: a version the extract takes twice
 * (its lag narrowed, then widened again) reaches the processed store and the warehouse once, and verify
 * stays clean; an ingestion file tampered with after its commit stops at the transform, so nothing of it
 * reaches the warehouse, until the file is restored.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { gunzipSync, gzipSync } from 'node:zlib'
import { manifestKey } from '../../src/core/batch-id.ts'
import { DataError } from '../../src/core/errors.ts'
import { INGESTION_MANIFEST } from '../../src/core/manifests/ingestion.ts'
import { readManifest } from '../../src/core/manifests/read-manifest.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { memoryLog } from '../../src/log.ts'
import { type PipelineDeps, runPipelineOnce } from '../../src/service/pipeline.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { runVerify } from '../../src/verify/run-verify.ts'
import { DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import {
  createLoadedSnapshot,
  LOADED_SNAPSHOT_LAG_MS,
  type LoadedSnapshot,
} from '../support/loaded-snapshot.ts'
import { processedRows } from './support.ts'

const LAG_MS = LOADED_SNAPSHOT_LAG_MS

for (const kind of DATABASE_KINDS) {
  describe(`the lake's guarantees on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    let warehouse: TestDatabase | undefined
    let deps: PipelineDeps
    const verify = () =>
      runVerify({
        source: source!.db,
        warehouse: warehouse!.db,
        ingestion: deps.ingestion,
        processed: deps.processed,
        purchaseFactTable: 'fact_purchase_orders',
        lagMs: LAG_MS,
      })
    const duplicateFacts = async () =>
      warehouse!.db.query<{ payment_id: number; n: number }>(
        `SELECT payment_id, count(*)::int AS n FROM fact_payment
         GROUP BY payment_id, last_updated_date, last_updated_time HAVING count(*) > 1`,
      )

    let loaded: LoadedSnapshot | undefined
    before(async () => {
      loaded = await createLoadedSnapshot(kind)
      if (!loaded) return
      ;({ source, warehouse } = loaded)
      deps = {
        source: async () => source!.db,
        warehouse: async () => warehouse!.db,
        ingestion: loaded.ingestion.store,
        processed: loaded.processed.store,
        log: memoryLog(),
        lagMs: LAG_MS,
        purchaseFactTable: 'fact_purchase_orders',
      }
    })
    after(() => loaded?.drop())

    it('EXTRACT_LAG narrowed then widened: each version once in the processed store and the warehouse, verify clean', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const narrow = { ...deps, lagMs: 1 }
      await source.db.exec(
        'UPDATE payment SET paid = NOT paid, last_updated = localtimestamp(3) WHERE payment_id IN (2, 3)',
      )
      const taken = await runPipelineOnce(narrow)
      assert.ok(taken.extract.batchId)
      await new Promise((r) => setTimeout(r, 20))
      await source.db.exec(
        'UPDATE payment SET paid = NOT paid, last_updated = localtimestamp(3) WHERE payment_id = 4',
      )
      await runPipelineOnce(narrow)
      // Widened: the extract reaches back 2 minutes again and takes payments 2 and 3 a second time.
      const widened = await runPipelineOnce(deps)
      const again = widened.extract.batchId
      assert.ok(again, 'the widened extract re-read versions')
      const lake = await readManifest(deps.ingestion, manifestKey(again), INGESTION_MANIFEST)
      assert.ok(
        (lake.tables.find((e) => e.table === 'payment')?.rows ?? 0) >= 2,
        'payments 2 and 3 twice in the lake',
      )
      const outcome = widened.transform.batches.find((b) => b.batchId === again)
      assert.ok((outcome?.takenRows ?? 0) >= 2, `${outcome?.takenRows} rows skipped`)
      const reprocessed = await processedRows(deps.processed, again, 'fact_payment')
      assert.deepEqual(
        reprocessed.filter((r) => r.payment_id === 2 || r.payment_id === 3),
        [],
        'no version of payment 2 or 3 twice in the processed store',
      )
      assert.deepEqual(await duplicateFacts(), [])
      const report = await verify()
      assert.deepEqual(report.problems, [])
      assert.equal(report.clean, true)
    })

    it('a tampered ingestion file stops at the transform: nothing reaches the warehouse until it is restored', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      await source.db.exec(
        `UPDATE payment SET payment_amount = 1234.56, last_updated = localtimestamp(3) WHERE payment_id = 5`,
      )
      const extracted = await runExtract(
        { source: source.db, ingestion: deps.ingestion, log: deps.log },
        { lagMs: LAG_MS },
      )
      const batchId = extracted.batchId ?? ''
      const manifest = await readManifest(deps.ingestion, manifestKey(batchId), INGESTION_MANIFEST)
      const key = manifest.tables.find((e) => e.table === 'payment')?.key ?? ''
      const original = (await deps.ingestion.get(key)) as Uint8Array
      const csv = gunzipSync(original).toString()
      assert.ok(csv.includes('1234.56'))
      await deps.ingestion.put(key, gzipSync(csv.replace('1234.56', '9999999.99')))

      const log = memoryLog()
      const refused = await runTransform({ ingestion: deps.ingestion, processed: deps.processed, log }).catch(
        (e: unknown) => e,
      )
      assert.ok(refused instanceof DataError, String(refused))
      assert.ok(refused.message.includes(key))
      assert.ok(log.entries.some((e) => e.level === 'alert' && e.fields.key === key))
      const load = await runLoad({
        warehouse: warehouse.db,
        processed: deps.processed,
        log,
        purchaseFactTable: 'fact_purchase_orders',
      })
      assert.equal(load.loaded.length, 0)
      const tampered = await warehouse.db.query(
        `SELECT 1 FROM fact_payment WHERE payment_amount IN (9999999.99, 1234.56)`,
      )
      assert.deepEqual(tampered, [])

      await deps.ingestion.put(key, original)
      const resumed = await runPipelineOnce(deps)
      assert.ok(resumed.load.loaded.some((b) => b.batchId === batchId))
      const amounts = await warehouse.db.query<{ a: string }>(
        `SELECT payment_amount::text AS a FROM fact_payment WHERE payment_id = 5 ORDER BY last_updated_date DESC, last_updated_time DESC LIMIT 1`,
      )
      assert.equal(amounts[0]?.a, '1234.56')
      assert.deepEqual(await duplicateFacts(), [])
      assert.equal((await verify()).clean, true)
    })
  })
}
