/** What only a real server can show: a loader killed with SIGKILL mid-transaction, and two loaders at once. */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { FolderStore } from '../../src/io/folder-store.ts'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { runReadLedger } from '../../src/load/load-ledger.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { runResetWarehouse } from '../../src/load/run-reset-warehouse.ts'
import { memoryLog } from '../../src/log.ts'
import { runReadKeyCounts } from '../../src/verify/verify-warehouse.ts'
import { createTestDatabase, type TestDatabase } from '../support/databases.ts'
import { largeSalesBatch, writeProcessedBatch } from '../support/processed-fixture.ts'
import { RUN_TS } from '../support/run-ts.ts'
import { fingerprintWarehouse } from './warehouse-state.ts'

const ROWS = 50_000
const CHILD = new URL('./load-child.ts', import.meta.url).pathname

/** Waits until the child runs a statement matching `pattern`, then kills it with SIGKILL. */
async function killWhenRunning(child: ChildProcess, db: PgDatabase, pattern: RegExp): Promise<string> {
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  for (let i = 0; i < 12_000; i += 1) {
    if (exited) throw new Error(`the loader finished before it ran ${pattern}`)
    const rows = await db.query<{ query: string }>(
      "SELECT query FROM pg_stat_activity WHERE application_name = 'totesys-etl-kill-test' AND state = 'active'",
    )
    const hit = rows.find((row) => pattern.test(row.query))
    if (hit) {
      child.kill('SIGKILL')
      await new Promise((resolve) => (exited ? resolve(undefined) : child.once('exit', resolve)))
      return hit.query
    }
    await sleep(5)
  }
  throw new Error(`the loader never ran ${pattern}`)
}

describe('load on the real server under kill -9 and concurrency', () => {
  let test: TestDatabase | undefined
  let storeDir: string
  let store: FolderStore
  let reference: Record<string, string>

  before(async () => {
    test = await createTestDatabase('server')
    if (!test) return
    storeDir = await mkdtemp(join(tmpdir(), 'load-server-'))
    store = new FolderStore(storeDir)
    await writeProcessedBatch(store, largeSalesBatch('0000000001', ROWS))
    // Half the versions again (must not duplicate), and new versions of the other half.
    await writeProcessedBatch(store, largeSalesBatch('0000000002', ROWS / 2))
    await writeProcessedBatch(
      store,
      largeSalesBatch('0000000003', ROWS / 2, { firstId: ROWS / 2 + 1, lastUpdatedTime: '10:30:00.250' }),
    )
    await runInitWarehouse(test.db, { purchaseFactTable: 'fact_purchase_orders' })
    await runLoad({
      warehouse: test.db,
      processed: store,
      log: memoryLog(),
      purchaseFactTable: 'fact_purchase_orders',
    })
    reference = await fingerprintWarehouse(test.db)
    assert.match(reference.fact_sales_order ?? '', new RegExp(`^${ROWS + ROWS / 2} `))
  })
  after(async () => {
    await test?.drop()
    if (storeDir) await rm(storeDir, { recursive: true, force: true })
  })

  for (const [name, pattern] of [
    ['while it COPYs into staging', /^COPY "stage_fact_sales_order"/],
    ['while it appends facts', /INSERT INTO "fact_sales_order"/],
  ] as const) {
    it(`a loader killed with SIGKILL ${name} leaves nothing; the rerun equals a clean load`, async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await runResetWarehouse(test.db)
      await runInitWarehouse(test.db, { purchaseFactTable: 'fact_purchase_orders' })
      const child = spawn(process.execPath, [...RUN_TS, CHILD, test.url, storeDir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const query = await killWhenRunning(child, test.db as PgDatabase, pattern)
      assert.match(query, pattern)
      assert.deepEqual(await runReadLedger(test.db), [])
      // The rerun waits on the advisory lock until the orphaned server backend notices its client is gone.
      const rerun = await runLoad({
        warehouse: test.db,
        processed: store,
        log: memoryLog(),
        purchaseFactTable: 'fact_purchase_orders',
      })
      assert.deepEqual(
        rerun.loaded.map((b) => b.batchId),
        ['0000000001', '0000000002', '0000000003'],
      )
      assert.deepEqual(await fingerprintWarehouse(test.db), reference)
    })
  }

  it('two loaders at once (separate pools) apply each batch exactly once', async (t) => {
    if (!test) return t.skip('no PostgreSQL server reachable')
    const { db, url } = test
    for (let round = 0; round < 2; round += 1) {
      await runResetWarehouse(db)
      await runInitWarehouse(db, { purchaseFactTable: 'fact_purchase_orders' })
      const a: PgDatabase = new PgDatabase(url)
      const b: PgDatabase = new PgDatabase(url)
      try {
        // Round 0: whoever takes the lock for batch 1 holds it until the other waits on it, so the
        // contended path (wait, re-check the ledger, skip) surely runs; round 1 runs free.
        const faults = async (point: string, batchId: string) => {
          if (round > 0 || point !== 'after-lock' || batchId !== '0000000001') return
          for (let i = 0; i < 2000; i += 1) {
            const [waiting] = await db.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
            )
            if ((waiting?.n ?? 0) > 0) return
            await sleep(10)
          }
          throw new Error('the other loader never waited for the lock')
        }
        const deps = (warehouse: PgDatabase) => ({
          warehouse,
          processed: store,
          log: memoryLog(),
          purchaseFactTable: 'fact_purchase_orders' as const,
          faults,
        })
        const [ra, rb] = await Promise.all([runLoad(deps(a)), runLoad(deps(b))])
        const byA = ra.loaded.map((x) => x.batchId)
        const byB = rb.loaded.map((x) => x.batchId)
        assert.deepEqual([...byA, ...byB].sort(), ['0000000001', '0000000002', '0000000003'])
        // What one skipped after waiting for the lock, the other loaded.
        for (const id of ra.skipped) assert.ok(byB.includes(id))
        for (const id of rb.skipped) assert.ok(byA.includes(id))
        if (round === 0)
          assert.deepEqual(
            [...ra.skipped, ...rb.skipped].filter((id) => id === '0000000001'),
            ['0000000001'],
          )
      } finally {
        await a.close()
        await b.close()
      }
      assert.equal((await runReadLedger(db)).length, 3)
      const duplicated = (await runReadKeyCounts(db, 'fact_sales_order', 'fact_purchase_orders')).filter(
        (k) => k.count > 1,
      )
      assert.deepEqual(duplicated, [])
      assert.deepEqual(await fingerprintWarehouse(db), reference)
    }
  })
})
