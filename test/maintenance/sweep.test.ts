import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { lambdaDeps } from '../../src/entrypoints/lambda/lambda-deps.ts'
import { makeSweepHandler } from '../../src/entrypoints/lambda/sweep.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'
import { S3Store } from '../../src/io/s3-store.ts'
import { memoryLog } from '../../src/log.ts'
import { planSweep } from '../../src/maintenance/plan-sweep.ts'
import { runSweep } from '../../src/maintenance/run-sweep.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { aLookupBatch, aSalesOrder, writeIngestionBatch } from '../support/ingestion-fixture.ts'
import { lambdaEvent } from '../support/lambda-events.ts'
import { startTestS3, type TestS3 } from '../support/s3-server.ts'

const DAY = 'year=2024/month=02/day=23'

describe('planSweep', () => {
  const committed = [{ batchId: '0000000001', keys: [`staff/${DAY}/0000000001-aaaa0001.csv.gz`] }]

  it('an unnamed file of a committed batch is an orphan; a file of an uncommitted batch is kept', () => {
    const plan = planSweep(
      [
        `staff/${DAY}/0000000001-aaaa0001.csv.gz`,
        `staff/${DAY}/0000000001-bbbb0002.csv.gz`,
        `staff/${DAY}/0000000002-cccc0003.csv.gz`,
      ],
      committed,
      ['staff'],
    )
    assert.deepEqual(plan.orphans, [`staff/${DAY}/0000000001-bbbb0002.csv.gz`])
    assert.deepEqual(plan.uncommitted, [`staff/${DAY}/0000000002-cccc0003.csv.gz`])
  })

  it("logical mode's tombstone files (_deletes/<table>/…) are swept like data files, named by the manifest's deletes", () => {
    const plan = planSweep(
      [
        `_deletes/staff/${DAY}/0000000001-aaaa0001.csv.gz`,
        `_deletes/staff/${DAY}/0000000001-bbbb0002.csv.gz`,
        `_deletes/staff/${DAY}/0000000002-cccc0003.csv.gz`,
        `_deletes/not_a_table/${DAY}/0000000001-bbbb0002.csv.gz`,
      ],
      [{ batchId: '0000000001', keys: [`_deletes/staff/${DAY}/0000000001-aaaa0001.csv.gz`] }],
      ['staff'],
    )
    assert.deepEqual(plan.orphans, [`_deletes/staff/${DAY}/0000000001-bbbb0002.csv.gz`])
    assert.deepEqual(plan.uncommitted, [`_deletes/staff/${DAY}/0000000002-cccc0003.csv.gz`])
  })

  it('never touches anything but data files of catalogue tables', () => {
    const plan = planSweep(
      [
        '_manifests/0000000001.json',
        '_quarantine/0000000001/staff/0000000001-staff-rows.csv.gz',
        '_state/0000000001/staff.parquet',
        '_schemas/staff/0001.json',
        `ext/fx/${DAY}/0000000001-bbbb0002.parquet`,
        `not_a_table/${DAY}/0000000001-bbbb0002.csv.gz`,
        `staff/${DAY}/0000000001-bbbb0002.csv.gz.tmp`,
        `staff/0000000001-bbbb0002.csv.gz`,
      ],
      committed,
      ['staff'],
    )
    assert.deepEqual(plan, { orphans: [], uncommitted: [] })
  })
})

describe('runSweep', () => {
  let s3: TestS3
  let dir: string
  before(async () => {
    s3 = await startTestS3()
    await s3.createBucket('ingestion')
    await s3.createBucket('processed')
    dir = await mkdtemp(join(tmpdir(), 'etl-sweep-'))
  })
  after(async () => {
    await s3.close()
    await rm(dir, { recursive: true, force: true })
  })

  const kinds: Record<string, () => { ingestion: ObjectStore; processed: ObjectStore }> = {
    'folder stores': () => ({
      ingestion: new FolderStore(join(dir, 'ingestion')),
      processed: new FolderStore(join(dir, 'processed')),
    }),
    S3: () => ({
      ingestion: new S3Store({ bucket: 'ingestion', prefix: 'lake', endpoint: s3.endpoint }),
      processed: new S3Store({ bucket: 'processed', prefix: 'lake', endpoint: s3.endpoint }),
    }),
  }

  for (const [kind, open] of Object.entries(kinds)) {
    it(`${kind}: deletes orphans of committed batches only; a dry run deletes nothing`, async () => {
      const stores = open()
      const manifest = await writeIngestionBatch(stores.ingestion, {
        tables: { ...aLookupBatch(), sales_order: [aSalesOrder()] },
      })
      await runTransform({ ...stores, log: memoryLog() })
      const named = manifest.tables.flatMap((t) => (t.key ? [t.key] : []))
      const ingestionOrphan = `sales_order/${DAY}/0000000001-dead0001.csv.gz`
      const inFlight = `sales_order/${DAY}/0000000002-cafe0002.csv.gz`
      const processedOrphan = `fact_sales_order/${DAY}/0000000001-dead0003.parquet`
      await stores.ingestion.put(ingestionOrphan, 'x')
      await stores.ingestion.put(inFlight, 'x')
      await stores.processed.put(processedOrphan, 'x')

      const dry = await runSweep({ ...stores, log: memoryLog() }, { dryRun: true })
      assert.deepEqual(
        dry.stores.map((s) => [s.store, s.orphans, s.uncommitted]),
        [
          ['ingestion', [ingestionOrphan], 1],
          ['processed', [processedOrphan], 0],
        ],
      )
      assert.ok(await stores.ingestion.get(ingestionOrphan))
      assert.ok(await stores.processed.get(processedOrphan))

      await runSweep({ ...stores, log: memoryLog() })
      assert.equal(await stores.ingestion.get(ingestionOrphan), undefined)
      assert.equal(await stores.processed.get(processedOrphan), undefined)
      assert.ok(await stores.ingestion.get(inFlight), 'a file of an uncommitted batch stays')
      for (const key of named) assert.ok(await stores.ingestion.get(key), `${key} is still there`)
      const again = await runSweep({ ...stores, log: memoryLog() })
      assert.deepEqual(
        again.stores.map((s) => s.orphans.length),
        [0, 0],
      )
    })
  }

  it('runs as the Lambda handler: the weekly schedule deletes, { dryRun: true } lists, other events are refused', async () => {
    await s3.createBucket('lambda-ingestion')
    await s3.createBucket('lambda-processed')
    const env = {
      INGESTION_STORE: 's3://lambda-ingestion',
      PROCESSED_STORE: 's3://lambda-processed',
      S3_ENDPOINT: s3.endpoint,
      DATA_DIR: join(dir, 'lambda'),
    }
    const handler = makeSweepHandler(lambdaDeps(env, [], { log: memoryLog() }))
    const ingestion = new S3Store({ bucket: 'lambda-ingestion', prefix: '', endpoint: s3.endpoint })
    await writeIngestionBatch(ingestion, { tables: { ...aLookupBatch() } })
    const orphan = `staff/${DAY}/0000000001-dead0001.csv.gz`
    await ingestion.put(orphan, 'x')

    const listed = await handler({ dryRun: true })
    assert.deepEqual(listed.stores[0]?.orphans, [orphan])
    assert.ok(await ingestion.get(orphan))
    await assert.rejects(handler({ dryRun: 'yes' }), /event/i)
    const swept = await handler(lambdaEvent('scheduled-event.json'))
    assert.equal(swept.dryRun, false)
    assert.deepEqual(swept.stores[0]?.orphans, [orphan])
    assert.equal(await ingestion.get(orphan), undefined)
  })

  it('a manifest that does not parse stops the sweep of that store, deleting nothing', async () => {
    const stores = {
      ingestion: new FolderStore(join(dir, 'broken-ingestion')),
      processed: new FolderStore(join(dir, 'broken-processed')),
    }
    await writeIngestionBatch(stores.ingestion, { tables: { ...aLookupBatch() } })
    const orphan = `staff/${DAY}/0000000001-dead0001.csv.gz`
    await stores.ingestion.put(orphan, 'x')
    await stores.ingestion.put('_manifests/0000000001.json', '{"format": "something else"}')
    await assert.rejects(runSweep({ ...stores, log: memoryLog() }), /does not parse; nothing in .* was swept/)
    assert.ok(await stores.ingestion.get(orphan))
  })
})
