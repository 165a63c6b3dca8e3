/**
 * The stages' real S3 accesses against the synthesized policies: the extract, transform, load (with its
 * freshness read) and sweep run on the real snapshot, twice (a snapshot, then an update), through stores
 * that record every operation as the S3 action and object ARN it becomes; each recorded access must be
 * allowed by that function's role in the template (infra/test/template-model.ts). So the prefix-scoped
 * statements cannot be tighter than what the code does, and the test fails when the code starts touching a
 * prefix nobody granted. It also reads a processed fact file's parquet schema: the time columns the Glue
 * catalogue declares `bigint` are INT64 TIME(MICROS).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import { App } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import type * as s3 from 'aws-cdk-lib/aws-s3'
import { runMeasureFreshness } from '../../src/entrypoints/lambda/measure-freshness.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { memoryLog } from '../../src/log.ts'
import { runSweep } from '../../src/maintenance/run-sweep.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { createTestDatabase, type TestDatabase } from '../../test/support/databases.ts'
import { createSnapshotSource, createTempStore } from '../../test/support/source-fixture.ts'
import { EtlStack } from '../lib/etl-stack.ts'
import { allows, TemplateModel } from './template-model.ts'

type Stage = 'extract' | 'transform' | 'load' | 'sweep'
const DESCRIPTIONS: Record<Stage, string> = {
  extract: 'one incremental extract',
  transform: 'every pending ingestion batch',
  load: 'every pending processed batch',
  sweep: 'orphan data files',
}
interface Access {
  readonly stage: Stage
  readonly action: string
  readonly resource: string
}

/** A store that records each operation as the S3 request(s) S3Store makes for it. */
function recording(store: ObjectStore, bucketArn: string, stageOf: () => Stage, log: Access[]): ObjectStore {
  const note = (action: string, key?: string) =>
    log.push({ stage: stageOf(), action, resource: key === undefined ? bucketArn : `${bucketArn}/${key}` })
  /** Notes the request, then does the operation. */
  const then = <T>(fn: () => Promise<T>, ...requests: [string, string?][]) => {
    for (const [action, key] of requests) note(action, key)
    return fn()
  }
  // GetObject on a missing key answers 404 only with ListBucket: a read needs both.
  const read = (key: string): [string, string?][] => [['s3:GetObject', key], ['s3:ListBucket']]
  return {
    description: store.description,
    put: (key, body) => then(() => store.put(key, body), ['s3:PutObject', key]),
    putStream: (key, body: Readable) => then(() => store.putStream(key, body), ['s3:PutObject', key]),
    putFile: (key, path) => then(() => store.putFile(key, path), ['s3:PutObject', key]),
    createIfAbsent: (key, body) => then(() => store.createIfAbsent(key, body), ['s3:PutObject', key]),
    get: (key) => then(() => store.get(key), ...read(key)),
    getStream: (key) => then(() => store.getStream(key), ...read(key)),
    toLocalFile: (key, tmpDir) => then(() => store.toLocalFile(key, tmpDir), ...read(key)),
    list: (prefix) => then(() => store.list(prefix), ['s3:ListBucket']),
    delete: (key) => then(() => store.delete(key), ['s3:DeleteObject', key]),
  }
}

describe('the stages’ S3 accesses, against the synthesized policies', () => {
  let source: TestDatabase | undefined
  let warehouse: TestDatabase | undefined
  const stores: { remove(): Promise<void> }[] = []
  const accesses: Access[] = []
  let model: TemplateModel
  let ingestionArn: string
  let processedArn: string
  let processedDir: string

  before(async () => {
    // CloudFormation Validate only warns here (errors are warnings without the validateAgainstDefaultRules
    // flag) and no assertion reads it: etl-stack.test.ts checks its findings. Its engine costs ~2.5 CPU-s.
    const app = new App({
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    })
    const stack = new EtlStack(app, 'TotesysEtl')
    model = new TemplateModel(Template.fromStack(stack).toJSON() as never)
    const arnOf = (bucket: s3.Bucket) =>
      `arn:aws:s3:::${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket).toLowerCase()}`
    ingestionArn = arnOf(stack.lake.ingestion)
    processedArn = arnOf(stack.lake.processed)

    const probe = await createTestDatabase('server')
    await probe?.drop()
    const kind = probe ? 'server' : 'embedded'
    source = await createSnapshotSource(kind)
    warehouse = await createTestDatabase(kind)
    if (!source || !warehouse) return
    const ingestionStore = await createTempStore()
    const processedStore = await createTempStore()
    const scratch = await createTempStore()
    stores.push(ingestionStore, processedStore, scratch)
    processedDir = processedStore.dir
    let stage: Stage = 'extract'
    const ingestion = recording(ingestionStore.store, ingestionArn, () => stage, accesses)
    const processed = recording(processedStore.store, processedArn, () => stage, accesses)
    const log = memoryLog()
    const tmpDir = scratch.dir
    await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
    for (const round of [1, 2]) {
      if (round === 2) {
        // The application changes a few rows: the second round is incremental (cursor, state, edges).
        await source.db.exec(`UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now()::timestamp(3)
          WHERE sales_order_id IN (1, 2, 3)`)
        await source.db.exec(`UPDATE payment SET paid = NOT paid, last_updated = now()::timestamp(3)
          WHERE payment_id IN (1, 2)`)
      }
      stage = 'extract'
      const extracted = await runExtract({ source: source.db, ingestion, log }, { lagMs: 120_000 })
      assert.equal(extracted.outcome, 'committed', `round ${round}`)
      stage = 'transform'
      await runTransform({ ingestion, processed, log, tmpDir })
      stage = 'load'
      const loaded = await runLoad({
        warehouse: warehouse.db,
        processed,
        log,
        purchaseFactTable: 'fact_purchase_orders',
        tmpDir,
      })
      assert.equal(loaded.loaded.length, 1, `round ${round}`)
      await runMeasureFreshness({ warehouse: warehouse.db, ingestion }, Date.now())
    }
    // An orphan file, as a crashed attempt leaves it, for the sweep to delete.
    stage = 'extract'
    await ingestion.put('sales_order/year=2026/month=11/day=30/0000000002-deadbeef.csv.gz', 'x')
    stage = 'sweep'
    const swept = await runSweep({ ingestion, processed, log })
    assert.ok(swept.stores.some((s) => s.orphans.length === 1))
  })
  after(async () => {
    await source?.drop()
    await warehouse?.drop()
    for (const s of stores) await s.remove()
  })

  it('records work by every stage in both buckets', (t) => {
    if (!source || !warehouse) return t.skip('no PostgreSQL available')
    const seen = new Set(
      accesses.map(
        (a) => `${a.stage} ${a.action} ${a.resource.startsWith(ingestionArn) ? 'ingestion' : 'processed'}`,
      ),
    )
    for (const expected of [
      'extract s3:PutObject ingestion',
      'transform s3:GetObject ingestion',
      'transform s3:PutObject processed',
      'load s3:GetObject processed',
      'load s3:GetObject ingestion',
      'sweep s3:DeleteObject ingestion',
    ])
      assert.ok(seen.has(expected), expected)
  })

  it('finds every access allowed by the stage’s role, and no write by the load', (t) => {
    if (!source || !warehouse) return t.skip('no PostgreSQL available')
    const statements = Object.fromEntries(
      (Object.keys(DESCRIPTIONS) as Stage[]).map((stage) => [
        stage,
        model.statementsOf(model.roleOf(model.functionId(DESCRIPTIONS[stage]))),
      ]),
    ) as Record<Stage, ReturnType<TemplateModel['statementsOf']>>
    const refused = [
      ...new Set(
        accesses
          .filter((a) => !allows(statements[a.stage], a))
          .map((a) => `${a.stage} ${a.action} ${a.resource}`),
      ),
    ]
    assert.deepEqual(refused, [])
    assert.ok(
      !accesses.some(
        (a) => a.stage === 'load' && a.action !== 's3:GetObject' && a.action !== 's3:ListBucket',
      ),
    )
    assert.ok(
      !accesses.some(
        (a) =>
          a.stage === 'extract' &&
          /\/(_schemas|_quarantine)\//.test(a.resource) &&
          a.action === 's3:PutObject',
      ),
    )
    assert.ok(
      !accesses.some(
        (a) => a.stage === 'sweep' && a.action === 's3:DeleteObject' && a.resource.includes('/_manifests/'),
      ),
    )
  })

  it('writes the time columns as INT64 TIME(MICROS), which Glue declares bigint', async (t) => {
    if (!source || !warehouse) return t.skip('no PostgreSQL available')
    const file = accesses.find(
      (a) =>
        a.stage === 'transform' && a.action === 's3:PutObject' && a.resource.includes('/fact_sales_order/'),
    )
    assert.ok(file)
    const path = join(processedDir, file.resource.slice(processedArn.length + 1))
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    try {
      const reader = await connection.runAndReadAll(
        `SELECT name, type, logical_type::VARCHAR AS logical FROM parquet_schema('${path.replaceAll("'", "''")}') WHERE name LIKE '%_time' ORDER BY name`,
      )
      const rows = reader.getRowObjects() as { name: string; type: string; logical: string }[]
      assert.deepEqual(
        rows.map((r) => r.name),
        ['created_time', 'last_updated_time'],
      )
      for (const r of rows) {
        assert.equal(r.type, 'INT64', r.name)
        assert.match(r.logical, /TimeType.*MICROS|TIME.*MICROS/i, r.name)
      }
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })
})
