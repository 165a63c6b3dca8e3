import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STREAM_INGESTION_FORMAT, type StreamIngestionManifest } from '../../core/manifests/stream.ts'
import { datasetModel } from './dataset-model.ts'
import type { DatasetSchema } from './dataset-schema.ts'

const schema: DatasetSchema = {
  dataset: 'readings',
  version: 1,
  table: 'dataset_readings',
  key: [],
  columns: [{ name: 'station', type: 'text', required: true }],
}

/** A landed batch of the given files (key → text). */
function aBatch(files: Record<string, string>): {
  manifest: StreamIngestionManifest
  read: (k: string) => Promise<Uint8Array>
} {
  return {
    manifest: {
      format: STREAM_INGESTION_FORMAT,
      stream: 'datasets/readings',
      batchId: '0000000001',
      createdAt: '2024-01-01 00:00:00',
      files: Object.keys(files).map((key) => ({
        key,
        source: `src/${key}`,
        sourceEtag: 'e',
        bytes: 1,
        sha256: 'x',
      })),
      heldFiles: [],
      meta: { dataset: 'readings', schema },
    },
    read: async (key) => new TextEncoder().encode(files[key]),
  }
}

describe('dataset model', () => {
  it('holds a landed file that no longer parses (checks changed since it landed) and models the rest', async () => {
    const { manifest, read } = aBatch({
      'old.json': `[${'['.repeat(5000)}${']'.repeat(5000)}]`,
      'ok.json': JSON.stringify([{ station: 'A' }, { station: 'B\u0000' }]),
    })
    const out = await datasetModel('readings').transform(manifest, read)
    assert.deepEqual(
      out.tables[0]?.rows.map((r) => r[0]),
      ['A'],
    )
    const entry = out.quarantined[0]
    assert.equal(entry?.records, 2)
    assert.deepEqual(entry?.reasons.map((r) => r.reason).sort(), [
      'station: holds a NUL character (U+0000), which PostgreSQL text cannot store',
      'the landed file no longer parses: the file is nested more than 64 levels deep',
    ])
    assert.doesNotThrow(() => JSON.stringify(entry))
  })
})
