/**
 * The next batch starts from the manifest this process committed last, without parsing it again, only
 * while the store holds its very text; that manifest is the one the codec parses from the store.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { manifestKey } from '../../src/core/batch-id.ts'
import {
  runPlanNextBatch,
  runReadIngestionManifest,
  toRememberedManifest,
} from '../../src/extract/ingestion-batches.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import { memoryLog } from '../../src/log.ts'
import { DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const UTC_NOW = `date_trunc('milliseconds', now() AT TIME ZONE 'UTC')`

for (const kind of DATABASE_KINDS) {
  describe(`the remembered manifest on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    before(async () => {
      source = await createSnapshotSource(kind)
    })
    after(async () => {
      await source?.drop()
    })

    it('is what the codec parses from the store, and is used only while the store holds its text', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const ingestion = await createTempStore()
      try {
        const deps = { source: source.db, ingestion: ingestion.store, log: memoryLog() }
        // A 2-minute lag: the second batch's cursors carry the first one's edge.
        await runExtract(deps, { lagMs: 120_000, alwaysRead: true })
        await source.db.exec(`UPDATE payment SET last_updated = ${UTC_NOW} - interval '1 minute'`)
        const second = await runExtract(deps, { lagMs: 120_000, alwaysRead: true })
        assert.ok(second.batchId)
        const remembered = toRememberedManifest(ingestion.store)
        assert.equal(remembered?.batchId, second.batchId)
        assert.ok(
          Object.values(remembered.cursors).some((c) => c.edge.length > 0),
          'a cursor has an edge',
        )
        const parsed = await runReadIngestionManifest(ingestion.store, second.batchId)
        assert.deepEqual(remembered, parsed)
        assert.equal((await runPlanNextBatch(ingestion.store)).previous, remembered)
        // The same manifest in another text (say, restored by hand): read from the store.
        const key = manifestKey(second.batchId)
        const text = new TextDecoder().decode(await ingestion.store.get(key))
        await ingestion.store.put(key, JSON.stringify(JSON.parse(text)))
        const previous = (await runPlanNextBatch(ingestion.store)).previous
        assert.notEqual(previous, remembered)
        assert.deepEqual(previous, parsed)
      } finally {
        await ingestion.remove()
      }
    })
  })
}
