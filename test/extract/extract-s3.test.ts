/** The extract into S3: a real S3-compatible server, the real AWS SDK, the same manifests as a folder. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runListIngestionBatches } from '../../src/extract/ingestion-batches.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import { S3Store } from '../../src/io/s3-store.ts'
import { memoryLog } from '../../src/log.ts'
import type { TestDatabase } from '../support/databases.ts'
import { readBatch } from '../support/read-batch.ts'
import { startTestS3, type TestS3 } from '../support/s3-server.ts'
import { createSnapshotSource } from '../support/source-fixture.ts'

describe('extract into S3', () => {
  let s3: TestS3
  let source: TestDatabase | undefined
  before(async () => {
    s3 = await startTestS3()
    await s3.createBucket('ingestion')
    source = await createSnapshotSource('embedded')
  })
  after(async () => {
    await source?.drop()
    await s3.close()
  })

  it('commits the snapshot, then only changes, with concurrent runs committing once', async () => {
    assert.ok(source)
    const store = new S3Store({ bucket: 'ingestion', prefix: 'totesys', endpoint: s3.endpoint })
    const deps = { source: source.db, ingestion: store, log: memoryLog() }
    const [a, b] = await Promise.all([
      runExtract(deps, { lagMs: 120_000 }),
      runExtract(deps, { lagMs: 120_000 }),
    ])
    assert.deepEqual([a?.outcome, b?.outcome].sort(), ['committed', 'lost-race'])
    const { manifest, tables } = await readBatch(store, '0000000001')
    assert.equal(manifest.tables.find((e) => e.table === 'sales_order')?.rows, 6941)
    assert.equal(tables.sales_order?.rows.length, 6941)

    await source.db.query(
      "UPDATE staff SET last_updated = (SELECT max(last_updated) FROM staff) + interval '1 second' WHERE staff_id = 3",
    )
    const next = await runExtract(deps, { lagMs: 120_000 })
    assert.equal(next.batchId, '0000000002')
    assert.deepEqual(await runListIngestionBatches(store), ['0000000001', '0000000002'])
    assert.deepEqual(
      (await readBatch(store, '0000000002')).tables.staff?.rows.map((r) => r.staff_id),
      ['3'],
    )
  })
})
