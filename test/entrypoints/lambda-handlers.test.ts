/**
 * The three Lambda handlers, invoked as Lambda invokes them (recorded event shapes) against a real
 * S3-compatible server and real PostgreSQL (the local server and PGlite), produce the same warehouse as
 * the stage functions the CLI calls. The database URL reaches the handlers through the secret path.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { manifestKey } from '../../src/core/batch-id.ts'
import { INGESTION_MANIFEST } from '../../src/core/manifests/ingestion.ts'
import { METRIC_NAMES } from '../../src/core/metric-names.ts'
import { makeExtractHandler } from '../../src/entrypoints/lambda/extract.ts'
import { type DatabaseSetting, lambdaDeps } from '../../src/entrypoints/lambda/lambda-deps.ts'
import { memoryMetrics } from '../../src/entrypoints/lambda/lambda-metrics.ts'
import { makeLoadHandler } from '../../src/entrypoints/lambda/load.ts'
import { makeTransformHandler } from '../../src/entrypoints/lambda/transform.ts'
import type { Deps } from '../../src/entrypoints/make-deps.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import { getText } from '../../src/io/object-store.ts'
import { S3Store } from '../../src/io/s3-store.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { memoryLog } from '../../src/log.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { readWarehouseState } from '../load/warehouse-state.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { lambdaEvent } from '../support/lambda-events.ts'
import { startTestS3, type TestS3 } from '../support/s3-server.ts'
import { createSnapshotSource } from '../support/source-fixture.ts'

const SOURCE_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:totesys-etl/totesys-db-AbCdEf'
const WAREHOUSE_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:totesys-etl/warehouse-db-GhIjKl'
const LAG_MS = 120_000

describe('Lambda handlers', () => {
  let s3: TestS3
  let scratch: string
  before(async () => {
    s3 = await startTestS3()
    scratch = await mkdtemp(join(tmpdir(), 'lambda-handlers-'))
  })
  after(async () => {
    await s3.close()
    await rm(scratch, { recursive: true, force: true })
  })

  for (const kind of DATABASE_KINDS) {
    it(`extract, transform and load from their events build the CLI's warehouse (${kind} PostgreSQL)`, async (t) => {
      const source = await createSnapshotSource(kind)
      if (!source) return t.skip('no PostgreSQL server reachable at 127.0.0.1:5432')
      const warehouse = (await createTestDatabase(kind)) as TestDatabase
      const cliWarehouse = (await createTestDatabase(kind)) as TestDatabase
      const ingestionBucket = `ingestion-${kind}`
      const processedBucket = `processed-${kind}`
      for (const bucket of [
        ingestionBucket,
        processedBucket,
        `cli-${ingestionBucket}`,
        `cli-${processedBucket}`,
      ]) {
        await s3.createBucket(bucket)
      }
      const log = memoryLog()
      const metrics = memoryMetrics()
      // The functions' environment as the stack sets it, with S3 pointed at the test server.
      const env = {
        TOTESYS_DB_SECRET_ARN: SOURCE_ARN,
        WAREHOUSE_DB_SECRET_ARN: WAREHOUSE_ARN,
        INGESTION_STORE: `s3://${ingestionBucket}`,
        PROCESSED_STORE: `s3://${processedBucket}`,
        S3_ENDPOINT: s3.endpoint,
        EXTRACT_LAG: '2m',
        DATA_DIR: join(scratch, kind),
      }
      // PGlite runs in this process, so its secrets name a server nobody dials (see depsFor).
      const unused = 'postgres://unused@127.0.0.1:1/x'
      // The local test server speaks no TLS: its secrets say so, as a secret for such a database must
      // (a URL without sslmode gets verify-full).
      const plain = (url: string) => `${url}?sslmode=disable`
      const secrets: Record<string, string> = {
        [SOURCE_ARN]: JSON.stringify({ url: plain(kind === 'server' ? source.url : unused) }),
        [WAREHOUSE_ARN]: JSON.stringify({ url: plain(kind === 'server' ? warehouse.url : unused) }),
      }
      const readSecret = async (arn: string) => secrets[arn] ?? Promise.reject(new Error(`no secret ${arn}`))
      const opened: Deps[] = []
      const depsFor = (needs: readonly DatabaseSetting[]) => {
        const base = lambdaDeps(env, needs, { readSecret, log })
        return async (): Promise<Deps> => {
          const deps = await base()
          opened.push(deps)
          return kind === 'server'
            ? deps
            : { ...deps, source: async () => source.db, warehouse: async () => warehouse.db }
        }
      }
      const extract = makeExtractHandler(depsFor(['TOTESYS_DB_URL']), metrics)
      const transform = makeTransformHandler(depsFor([]), metrics)
      let now = Date.now()
      const load = makeLoadHandler(depsFor(['WAREHOUSE_DB_URL']), metrics, () => now)
      try {
        // The schedule wakes the extract: batch 1 is the snapshot, committed to the ingestion bucket.
        const extracted = await extract(lambdaEvent('scheduled-event.json'))
        assert.equal(extracted.outcome, 'committed')
        assert.equal(extracted.batchId, '0000000001')
        assert.equal(extracted.rows.sales_order, 6941)
        const ingestion = new S3Store({ bucket: ingestionBucket, prefix: '', endpoint: s3.endpoint })
        assert.ok(await getText(ingestion, manifestKey('0000000001')))

        // The manifest's S3 notification wakes the transform.
        const transformed = await transform(
          lambdaEvent('s3-notification.json', ingestionBucket, '0000000001'),
        )
        assert.deepEqual(
          transformed.batches.map((b) => [b.batchId, b.committed]),
          [['0000000001', true]],
        )
        assert.equal(transformed.batches[0]?.rows.fact_sales_order, 6941)

        // The processed manifest's EventBridge event wakes the load, which initialises the warehouse first.
        const loaded = await load(
          lambdaEvent('eventbridge-object-created.json', processedBucket, '0000000001'),
        )
        assert.deepEqual(
          loaded.loaded.map((b) => b.batchId),
          ['0000000001'],
        )
        assert.equal(loaded.freshnessLagSeconds, 0)

        // The same stages as the CLI runs them, into their own stores and warehouse.
        const cliIngestion = new S3Store({
          bucket: `cli-${ingestionBucket}`,
          prefix: '',
          endpoint: s3.endpoint,
        })
        const cliProcessed = new S3Store({
          bucket: `cli-${processedBucket}`,
          prefix: '',
          endpoint: s3.endpoint,
        })
        await runExtract({ source: source.db, ingestion: cliIngestion, log }, { lagMs: LAG_MS })
        await runTransform({
          ingestion: cliIngestion,
          processed: cliProcessed,
          log,
          tmpDir: join(scratch, kind),
        })
        await runInitWarehouse(cliWarehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
        await runLoad({
          warehouse: cliWarehouse.db,
          processed: cliProcessed,
          log,
          purchaseFactTable: 'fact_purchase_orders',
          tmpDir: join(scratch, kind),
        })
        const state = await readWarehouseState(warehouse.db)
        assert.equal(state.fact_sales_order.length, 6941)
        assert.deepEqual(state, await readWarehouseState(cliWarehouse.db))

        // A change extracted but not yet transformed: the load's safety schedule reports its age.
        await source.db.query(
          "UPDATE staff SET last_updated = (SELECT max(last_updated) FROM staff) + interval '1 second' WHERE staff_id = 3",
        )
        const second = await extract(lambdaEvent('scheduled-event.json'))
        assert.equal(second.batchId, '0000000002')
        const createdAt = INGESTION_MANIFEST.parse(
          (await getText(ingestion, manifestKey('0000000002'))) ?? '',
          'ingestion manifest',
        ).createdAt
        now = Date.parse(`${createdAt.replace(' ', 'T')}Z`) + 90_000
        const waiting = await load(lambdaEvent('scheduled-event.json'))
        assert.deepEqual(waiting.loaded, [])
        assert.equal(waiting.freshnessLagSeconds, 90)
        // Then the chain catches up, woken by EventBridge this time, and the lag is back to 0.
        await transform(lambdaEvent('eventbridge-object-created.json', ingestionBucket, '0000000002'))
        const caughtUp = await load(lambdaEvent('s3-notification.json', processedBucket, '0000000002'))
        assert.deepEqual(
          caughtUp.loaded.map((b) => b.batchId),
          ['0000000002'],
        )
        assert.equal(caughtUp.freshnessLagSeconds, 0)

        assert.deepEqual(
          metrics.emitted.map((m) => m[METRIC_NAMES.extractSucceeded]).filter((v) => v !== undefined),
          [1, 1],
        )
        assert.deepEqual(
          metrics.emitted.map((m) => m[METRIC_NAMES.freshnessLagSeconds]).filter((v) => v !== undefined),
          [0, 90, 0],
        )
        const logged = JSON.stringify(log.entries)
        for (const url of [source.url, warehouse.url].filter((u) => u.startsWith('postgres://'))) {
          assert.ok(!logged.includes(url), 'a database URL was logged')
        }
        // An unknown event is refused before any work.
        await assert.rejects(extract({ action: 'drop' }), /unrecognised event/)
      } finally {
        for (const deps of new Set(opened)) await deps.close()
        await source.drop()
        await warehouse.drop()
        await cliWarehouse.drop()
      }
    })
  }
})
