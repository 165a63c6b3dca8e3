/** Extract behaviours that need a second connection or a second process: the real server only. */
import assert from 'node:assert/strict'
import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { runListIngestionBatches } from '../../src/extract/ingestion-batches.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import { memoryLog } from '../../src/log.ts'
import type { TestDatabase } from '../support/databases.ts'
import { readBatch, versionsInLake } from '../support/read-batch.ts'
import { RUN_TS } from '../support/run-ts.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const script = fileURLToPath(new URL('./crash-extract.script.ts', import.meta.url))

describe('extract on the real server, with other sessions and processes', () => {
  let source: TestDatabase | undefined
  before(async () => {
    source = await createSnapshotSource('server')
  })
  after(async () => {
    await source?.drop()
  })

  it('captures once a row whose transaction was open during an extract and committed after it with an older stamp', async (t) => {
    if (!source) return t.skip('no PostgreSQL server reachable')
    const { store, remove } = await createTempStore()
    const app = new pg.Client({ connectionString: source.url })
    await app.connect()
    try {
      await runExtract({ source: source.db, ingestion: store, log: memoryLog() }, { lagMs: 120_000 })
      // The application stamps the row, then takes its time to commit.
      await app.query('BEGIN')
      await app.query(
        "UPDATE payment SET paid = true, last_updated = (SELECT max(last_updated) FROM payment) + interval '1 millisecond' WHERE payment_id = 11",
      )
      // Meanwhile a newer row commits and an extract reads it, moving hi past the open row's stamp.
      await source.db.query(
        "UPDATE payment SET paid = true, last_updated = (SELECT max(last_updated) FROM payment) + interval '5 seconds' WHERE payment_id = 12",
      )
      const during = await runExtract(
        { source: source.db, ingestion: store, log: memoryLog() },
        { lagMs: 120_000 },
      )
      assert.equal(during.rows.payment, 1)
      await app.query('COMMIT')
      const late = await runExtract(
        { source: source.db, ingestion: store, log: memoryLog() },
        { lagMs: 120_000 },
      )
      assert.equal(late.batchId, '0000000003')
      const { tables } = await readBatch(store, '0000000003')
      assert.deepEqual(
        tables.payment?.rows.map((r) => r.payment_id),
        ['11'],
      )
      assert.equal(
        (await runExtract({ source: source.db, ingestion: store, log: memoryLog() }, { lagMs: 120_000 }))
          .outcome,
        'no-changes',
      )
    } finally {
      await app.end()
      await remove()
    }
  })

  it('recovers from kill -9 at any point of an extract with nothing lost or duplicated', async (t) => {
    if (!source) return t.skip('no PostgreSQL server reachable')
    const { store, dir, remove } = await createTempStore()
    try {
      for (const [point, nth] of [
        ['after-table', '1'],
        ['after-table', '6'],
        ['before-manifest', '1'],
      ] as const) {
        const child: SpawnSyncReturns<string> = spawnSync(
          process.execPath,
          [...RUN_TS, script, source.url, dir, point, nth],
          {
            encoding: 'utf8',
          },
        )
        assert.equal(child.signal, 'SIGKILL', child.stderr)
        assert.deepEqual(
          await runListIngestionBatches(store),
          [],
          `nothing committed after a kill at ${point}#${nth}`,
        )
      }
      const result = await runExtract(
        { source: source.db, ingestion: store, log: memoryLog() },
        { lagMs: 120_000 },
      )
      assert.equal(result.batchId, '0000000001')
      const lake = await versionsInLake(store, ['0000000001'])
      assert.equal(new Set(lake).size, lake.length)
      const [count] = await source.db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM address) + (SELECT count(*) FROM counterparty) + (SELECT count(*) FROM currency)
          + (SELECT count(*) FROM department) + (SELECT count(*) FROM design) + (SELECT count(*) FROM payment)
          + (SELECT count(*) FROM payment_type) + (SELECT count(*) FROM purchase_order) + (SELECT count(*) FROM sales_order)
          + (SELECT count(*) FROM staff) + (SELECT count(*) FROM "transaction") AS n`,
      )
      assert.equal(lake.length, Number(count?.n))
    } finally {
      await remove()
    }
  })
})
