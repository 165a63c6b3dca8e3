/**
 * The status page as a person sees it: the pipeline runs once on embedded databases, the page is served
 * over HTTP and opened in a real headless Chromium; a screenshot is kept in docs/.
 */
import assert from 'node:assert/strict'
import { existsSync, rmSync, statSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { runReadLedger } from '../../src/load/load-ledger.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { memoryLog } from '../../src/log.ts'
import { createMonitor } from '../../src/service/monitor.ts'
import { runPipelineOnce } from '../../src/service/pipeline.ts'
import { runStatus } from '../../src/service/run-status.ts'
import { createStatusApp } from '../../src/service/status-app.ts'
import { StatusRecorder } from '../../src/service/status-recorder.ts'
import { createTestDatabase, type TestDatabase } from '../support/databases.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** The docs' screenshot is refreshed on request only (UPDATE_SCREENSHOT=1): a test run leaves the tree as it was. */
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? fileURLToPath(new URL('../../docs/status-page.png', import.meta.url))
  : join(tmpdir(), `status-page-${process.pid}.png`)

describe('status page', () => {
  let source: TestDatabase | undefined
  let warehouse: TestDatabase | undefined
  const cleanup: (() => Promise<void>)[] = []
  let app: ReturnType<typeof createStatusApp>
  let recorder: StatusRecorder

  before(async () => {
    source = await createSnapshotSource('embedded')
    warehouse = await createTestDatabase('embedded')
    const ingestion = await createTempStore()
    const processed = await createTempStore()
    cleanup.push(ingestion.remove, processed.remove)
    const wh = warehouse!.db
    await runInitWarehouse(wh, { purchaseFactTable: 'fact_purchase_orders' })
    recorder = new StatusRecorder()
    const log = recorder.tap(memoryLog())
    const deps = {
      source: async () => source!.db,
      warehouse: async () => wh,
      ingestion: ingestion.store,
      processed: processed.store,
      log,
      lagMs: 120_000,
      purchaseFactTable: 'fact_purchase_orders' as const,
    }
    const readStatus = () =>
      runStatus({
        ingestion: ingestion.store,
        processed: processed.store,
        warehouse: wh,
        purchaseFactTable: 'fact_purchase_orders',
        now: () => Date.parse('2024-02-23T12:00:00Z'),
      })
    const monitor = createMonitor({
      recorder,
      log,
      freshnessAlertMs: 600_000,
      readStatus,
      readLedger: () => runReadLedger(wh),
      now: () => Date.parse('2024-02-23T12:00:00Z'),
    })
    await runPipelineOnce(deps)
    await monitor()
    await source!.db.query(
      "UPDATE payment SET paid = true, last_updated = '2024-02-23 11:59:00' WHERE payment_id IN (2, 3)",
    )
    await runPipelineOnce(deps)
    await monitor()
    app = createStatusApp({ status: readStatus, history: () => recorder.history() })
  })
  after(async () => {
    await source?.drop()
    await warehouse?.drop()
    for (const c of cleanup) await c()
  })

  it('serves the status as JSON and HTML in process', async () => {
    const json = (await (await app.request('/status.json')).json()) as {
      warehouse: { lastBatch: string; freshnessSeconds: number; rows: Record<string, number> }
      history: { batches: [string, number][] }
    }
    assert.equal(json.warehouse.lastBatch, '0000000002')
    assert.equal(json.warehouse.freshnessSeconds, 60)
    assert.equal(json.warehouse.rows.fact_payment, 9901)
    assert.deepEqual(
      json.history.batches.map((b) => b[0]),
      ['0000000001', '0000000002'],
    )
    const html = await (await app.request('/')).text()
    assert.match(html, /data-testid="freshness">60\.0 s</)
    assert.match(html, /freshness over time \(s\)|freshness \(s\) over time/)
    // After the first batch the newest change was hours old: one freshness alert; the second resolved it.
    assert.deepEqual(
      recorder.history().events.map((e) => `${e.level}: ${e.message}`),
      ['alert: warehouse freshness is over its threshold'],
    )
    assert.equal((await app.request('/health')).status, 200)
  })

  it('renders in a real headless Chromium', async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`no Chromium at ${CHROMIUM} (apt-get install chromium)`)
    const { chromium } = await import('playwright-core')
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    const port = (server.address() as AddressInfo).port
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
      await page.goto(`http://127.0.0.1:${port}/`)
      assert.equal(await page.title(), 'totesys-etl status')
      assert.equal(await page.getByTestId('freshness').textContent(), '60.0 s')
      assert.equal(await page.getByTestId('load-last').textContent(), '0000000002')
      assert.equal(await page.getByTestId('quarantine-empty').textContent(), 'nothing held')
      assert.equal(await page.locator('svg[aria-label="rows per loaded batch"] rect').count(), 2)
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
      assert.ok(statSync(SCREENSHOT).size > 10_000, 'a real screenshot')
      if (!process.env.UPDATE_SCREENSHOT) rmSync(SCREENSHOT)
    } finally {
      await browser.close()
      server.close()
    }
  })
})
