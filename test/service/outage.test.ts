/**
 * `watch` survives a source outage: the connection to PostgreSQL is cut while the application keeps
 * writing; the loop alerts once, retries with backoff, and catches up with nothing lost (real server).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { memoryLog } from '../../src/log.ts'
import { alertingLog } from '../../src/service/alerting.ts'
import { toWatchStages } from '../../src/service/pipeline.ts'
import { runWatch } from '../../src/service/run-watch.ts'
import { runVerify } from '../../src/verify/run-verify.ts'
import { createTestDatabase, type TestDatabase } from '../support/databases.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts'
import { until } from './until.ts'

describe('watch through a source outage (real server)', () => {
  let source: TestDatabase | undefined
  let warehouse: TestDatabase | undefined
  let proxy: TcpProxy | undefined
  before(async () => {
    source = await createSnapshotSource('server')
    warehouse = source ? await createTestDatabase('server') : undefined
  })
  after(async () => {
    await proxy?.close()
    await source?.drop()
    await warehouse?.drop()
  })

  it('alerts once, retries, and catches up with nothing lost', async (t) => {
    if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
    proxy = await startTcpProxy(5432)
    const url = new URL(source.url)
    url.port = String(proxy.port)
    const viaProxy = new PgDatabase(url.toString())
    const ingestion = await createTempStore()
    const processed = await createTempStore()
    const inner = memoryLog()
    const log = alertingLog(inner)
    await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
    const deps = {
      source: async () => viaProxy,
      warehouse: async () => warehouse!.db,
      ingestion: ingestion.store,
      processed: processed.store,
      log,
      lagMs: 120_000,
      purchaseFactTable: 'fact_purchase_orders' as const,
    }
    const controller = new AbortController()
    const cycles: { extracted: string | null; error?: string }[] = []
    const watching = runWatch(toWatchStages(deps), {
      everyMs: 200,
      maxBackoffMs: 800,
      signal: controller.signal,
      log,
      onCycle: (c) => cycles.push(c),
    })
    try {
      await until('the first batch', () => cycles.some((c) => c.extracted === '0000000001'))
      await proxy.cut()
      // The application keeps working during the outage (directly, not through the proxy).
      await source.db.exec(`UPDATE payment SET paid = true, last_updated = localtimestamp(3) WHERE payment_id IN (4, 5);
        UPDATE sales_order SET units_sold = units_sold + 1, last_updated = localtimestamp(3) WHERE sales_order_id = 6`)
      await until('three failed cycles', () => cycles.filter((c) => c.error).length >= 3)
      await proxy.restore()
      await until('recovery', () => inner.entries.some((e) => e.message === 'pipeline recovered'))
      await until('the changes in a batch', () => cycles.some((c) => c.extracted === '0000000002'))
    } finally {
      controller.abort()
      await watching
      await viaProxy.close()
    }
    const alerts = inner.entries.filter((e) => e.level === 'alert')
    assert.deepEqual(
      alerts.map((a) => a.message),
      ['pipeline cycle failed; retrying with backoff'],
    )
    assert.ok(inner.entries.filter((e) => e.message === 'pipeline cycle failed again').length >= 2)
    const report = await runVerify({
      source: source.db,
      warehouse: warehouse.db,
      ingestion: ingestion.store,
      processed: processed.store,
      purchaseFactTable: 'fact_purchase_orders',
      lagMs: 120_000,
    })
    assert.deepEqual(report.problems, [])
    const paid = await warehouse.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT DISTINCT ON (payment_id) paid FROM fact_payment WHERE payment_id IN (4, 5)
         ORDER BY payment_id, last_updated_date DESC, last_updated_time DESC) AS latest WHERE paid`,
    )
    assert.equal(paid[0]?.n, 2)
    await ingestion.remove()
    await processed.remove()
  })
})
