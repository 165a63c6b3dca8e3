/**
 * `transform --batch <id> --redo` rebuilds a processed batch from the lake (the same rows, files that
 * match their manifest) and refuses a batch already loaded; `quarantine discard` gives up on an entry,
 * with its reason recorded, so nothing counts it as held any more.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { manifestKey } from '../../src/core/batch-id.ts'
import { ConfigError, DataError } from '../../src/core/errors.ts'
import { runDigestObject } from '../../src/io/object-digest.ts'
import { memoryLog } from '../../src/log.ts'
import { runListQuarantine } from '../../src/transform/quarantine-store.ts'
import { runDiscardQuarantine } from '../../src/transform/run-discard-quarantine.ts'
import { runRedoBatch } from '../../src/transform/run-redo-batch.ts'
import { runReplay } from '../../src/transform/run-replay.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { aLookupBatch, aSalesOrder, writeIngestionBatch } from '../support/ingestion-fixture.ts'
import { processedManifest, processedRows, tempStores } from './support.ts'

const notLoaded = async () => false

describe('transform --batch <id> --redo', () => {
  it('rebuilds a damaged processed batch with the same rows, and refuses a loaded one', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, { tables: { ...aLookupBatch(), sales_order: [aSalesOrder()] } })
      await writeIngestionBatch(s.ingestion, {
        tables: { sales_order: [aSalesOrder({ sales_order_id: '2', last_updated: '2024-02-22 10:00:00' })] },
      })
      await runTransform({ ...s, log: memoryLog() })
      const before = await processedRows(s.processed, '0000000001', 'fact_sales_order')
      const old = await processedManifest(s.processed, '0000000001')
      const factKey = old.tables.find((t) => t.table === 'fact_sales_order')?.key ?? ''
      await s.processed.put(factKey, 'damaged')

      await assert.rejects(
        runRedoBatch({ ...s, log: memoryLog() }, { batchId: '0000000001', isLoaded: async () => true }),
        (e: unknown) => e instanceof ConfigError && /already loaded/.test(e.message),
      )
      await assert.rejects(
        runRedoBatch({ ...s, log: memoryLog() }, { batchId: '0000000009', isLoaded: notLoaded }),
        /no ingestion batch 0000000009/,
      )
      const redone = await runRedoBatch(
        { ...s, log: memoryLog() },
        { batchId: '0000000001', isLoaded: notLoaded },
      )
      assert.equal(redone.committed, true)
      const rebuilt = await processedManifest(s.processed, '0000000001')
      for (const t of rebuilt.tables) {
        if (!t.key) continue
        assert.notEqual(t.key, factKey)
        assert.equal(await runDigestObject(s.processed, t.key), t.sha256)
      }
      assert.deepEqual(await processedRows(s.processed, '0000000001', 'fact_sales_order'), before)
      // A manifest that no longer parses is replaced the same way.
      await s.processed.put(manifestKey('0000000002'), '{ garbage')
      await runRedoBatch({ ...s, log: memoryLog() }, { batchId: '0000000002', isLoaded: notLoaded })
      assert.equal((await processedManifest(s.processed, '0000000002')).tables.length > 0, true)
    } finally {
      await s.cleanup()
    }
  })

  it('keeps the processed batch when its ingestion file is damaged', async () => {
    const s = await tempStores()
    try {
      const m = await writeIngestionBatch(s.ingestion, {
        tables: { ...aLookupBatch(), sales_order: [aSalesOrder()] },
      })
      await runTransform({ ...s, log: memoryLog() })
      const key = m.tables.find((t) => t.table === 'sales_order')?.key ?? ''
      await s.ingestion.put(key, 'not gzip')
      await assert.rejects(
        runRedoBatch({ ...s, log: memoryLog() }, { batchId: '0000000001', isLoaded: notLoaded }),
        (e: unknown) => e instanceof DataError && e.message.includes(key),
      )
      assert.ok(await processedManifest(s.processed, '0000000001'))
    } finally {
      await s.cleanup()
    }
  })

  it('refuses a batch whose predecessor has no transform state yet', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, { tables: aLookupBatch() })
      await writeIngestionBatch(s.ingestion, { tables: { sales_order: [aSalesOrder()] } })
      await assert.rejects(
        runRedoBatch({ ...s, log: memoryLog() }, { batchId: '0000000002', isLoaded: notLoaded }),
        /run 'totesys-etl transform' first/,
      )
    } finally {
      await s.cleanup()
    }
  })
})

describe('quarantine discard', () => {
  it('records who and why, hides the entry from held, and refuses twice or without a reason', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, {
        tables: { ...aLookupBatch(), sales_order: [aSalesOrder({ units_sold: 'many' })] },
      })
      await runTransform({ ...s, log: memoryLog() })
      const [held] = await runListQuarantine(s.ingestion)
      assert.ok(held)
      const deps = { ingestion: s.ingestion, log: memoryLog() }
      const input = { entryId: held.id, by: 'ops', nowIso: '2026-11-30T10:00:00.000Z' }
      await assert.rejects(runDiscardQuarantine(deps, { ...input, reason: '  ' }), /--reason/)
      await assert.rejects(
        runDiscardQuarantine(deps, { ...input, entryId: 'nope', reason: 'x' }),
        /no quarantine entry/,
      )
      const discarded = await runDiscardQuarantine(deps, {
        ...input,
        reason: 'superseded by a newer version',
      })
      assert.equal(discarded.discarded?.reason, 'superseded by a newer version')
      assert.deepEqual(await runListQuarantine(s.ingestion), [])
      const [listed] = await runListQuarantine(s.ingestion, { includeDiscarded: true })
      assert.deepEqual(listed?.discarded, {
        discardedAt: '2026-11-30T10:00:00.000Z',
        reason: 'superseded by a newer version',
        by: 'ops',
      })
      await assert.rejects(runDiscardQuarantine(deps, { ...input, reason: 'again' }), /already discarded/)
      assert.deepEqual((await runReplay({ ingestion: s.ingestion, log: memoryLog() })).replayed, [])
      assert.ok(deps.log.entries.some((e) => e.message === 'quarantine entry discarded'))
    } finally {
      await s.cleanup()
    }
  })
})
