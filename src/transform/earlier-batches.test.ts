import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { manifestKey } from '../core/batch-id.ts'
import { DataError } from '../core/errors.ts'
import { INGESTION_FORMAT, INGESTION_MANIFEST, type IngestionManifest } from '../core/manifests/ingestion.ts'
import { SOURCE_TABLES } from '../core/source-catalogue.ts'
import { FolderStore } from '../io/folder-store.ts'
import { earlierBatches, runReadIngestionManifest } from './earlier-batches.ts'

const manifestOf = (batchId: string, keys: number): IngestionManifest => ({
  format: INGESTION_FORMAT,
  batchId,
  createdAt: '2024-01-01 00:00:00',
  lagMs: 120_000,
  tables: [],
  failedTables: [],
  cursors: Object.fromEntries(
    SOURCE_TABLES.map((t) => [
      t,
      {
        hi: '2024-01-01 00:00:00',
        edge: Array.from({ length: keys }, (_, i) => [i, '2024-01-01 00:00:00'] as const),
      },
    ]),
  ) as unknown as IngestionManifest['cursors'],
})

describe('the transform’s ingestion manifest reads', () => {
  it('parse a manifest once while the store holds its very text, and again when the text changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'earlier-batches-'))
    try {
      const store = new FolderStore(dir)
      for (const id of ['0000000001', '0000000002'])
        await store.put(manifestKey(id), INGESTION_MANIFEST.serialise(manifestOf(id, 3)))
      const first = await runReadIngestionManifest(store, '0000000001')
      assert.deepEqual(first, manifestOf('0000000001', 3))
      assert.equal(
        await runReadIngestionManifest(store, '0000000001'),
        first,
        'the same text: not parsed again',
      )
      // The next batch's earlier batches: the same manifest, not parsed again.
      const earlier: IngestionManifest[] = []
      for await (const m of earlierBatches(store, '0000000002').newestFirst()) earlier.push(m)
      assert.deepEqual(
        earlier.map((m) => m.batchId),
        ['0000000001'],
      )
      assert.equal(earlier[0], first)
      // As the transform reads them: a batch, then the one before it; then the next batch, and again the
      // one before it, which is still known.
      // (Another store object on the same folder: nothing known yet.)
      const fresh = new FolderStore(dir)
      await fresh.put(manifestKey('0000000003'), INGESTION_MANIFEST.serialise(manifestOf('0000000003', 3)))
      const second = await runReadIngestionManifest(fresh, '0000000002')
      assert.notEqual(second, await runReadIngestionManifest(store, '0000000002'))
      await runReadIngestionManifest(fresh, '0000000001')
      await runReadIngestionManifest(fresh, '0000000003')
      assert.equal(await runReadIngestionManifest(fresh, '0000000002'), second)
      // Another text of the same manifest (restored by hand, say): parsed from the store.
      const text = INGESTION_MANIFEST.serialise(manifestOf('0000000001', 3))
      await store.put(manifestKey('0000000001'), JSON.stringify(JSON.parse(text)))
      const again = await runReadIngestionManifest(store, '0000000001')
      assert.notEqual(again, first)
      assert.deepEqual(again, first)
      // A text that does not parse is the codec's DataError, never the manifest read before.
      await store.put(manifestKey('0000000001'), text.replace('"lag_ms": 120000', '"lag_ms": -1'))
      await assert.rejects(runReadIngestionManifest(store, '0000000001'), DataError)
      await store.delete(manifestKey('0000000002'))
      await assert.rejects(runReadIngestionManifest(store, '0000000002'), DataError)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
