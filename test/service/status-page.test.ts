/**
 * The status page (and the history it shares) as a person sees it: the pipeline runs several batches on embedded databases (the
 * snapshot, then simulated changes), other commands leave alerts in the status store, and the page is
 * served over HTTP and opened in a real headless Chromium; a screenshot is kept in docs/. Then the
 * warehouse goes away: the page says so, and still shows what the stores hold.
 */
import assert from 'node:assert/strict'
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { FolderStore } from '../../src/io/folder-store.ts'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { memoryLog } from '../../src/log.ts'
import { toEpochMs } from '../../src/service/freshness.ts'
import { createMonitor } from '../../src/service/monitor.ts'
import { runPipelineOnce } from '../../src/service/pipeline.ts'
import { runReadHistory } from '../../src/service/read-history.ts'
import { runRecorded } from '../../src/service/record-run.ts'
import { runStatus } from '../../src/service/run-status.ts'
import { createStatusApp } from '../../src/service/status-app.ts'
import { StatusRecorder } from '../../src/service/status-recorder.ts'
import { createStatusViewReader, type StatusView } from '../../src/service/status-view.ts'
import { toHistoryText } from '../../src/service/to-history-text.ts'
import { runSimulate } from '../../src/simulator/run-simulate.ts'
import { createTestDatabase, type TestDatabase } from '../support/databases.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** The docs' screenshot is refreshed on request only (UPDATE_SCREENSHOT=1): a test run leaves the tree as it was. */
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? fileURLToPath(new URL('../../docs/status-page.png', import.meta.url))
  : join(tmpdir(), `status-page-${process.pid}.png`)
const command = (...names: string[]) =>
  names.reduce<{ name(): string; parent: never | null }>(
    (parent, name) => ({ name: () => name, parent: parent as never }),
    { name: () => 'totesys-etl', parent: null },
  )
const UNREACHABLE = 'postgres://etl:hunter2-secret@127.0.0.1:1/warehouse'

describe('status page', () => {
  let source: TestDatabase | undefined
  let warehouse: TestDatabase | undefined
  const cleanup: (() => Promise<void>)[] = []
  let app: ReturnType<typeof createStatusApp>
  let downApp: ReturnType<typeof createStatusApp>
  let stores: { ingestion: FolderStore; processed: FolderStore }
  const recorder = new StatusRecorder()

  before(async () => {
    source = await createSnapshotSource('embedded')
    warehouse = await createTestDatabase('embedded')
    const ingestion = await createTempStore()
    const processed = await createTempStore()
    cleanup.push(ingestion.remove, processed.remove)
    stores = { ingestion: ingestion.store, processed: processed.store }
    const wh = warehouse!.db
    await runInitWarehouse(wh, { purchaseFactTable: 'fact_purchase_orders' })
    const reading = {
      ...stores,
      warehouse: async () => wh,
      warehouseDescription: wh.description,
      purchaseFactTable: 'fact_purchase_orders' as const,
    }
    const monitor = createMonitor({
      recorder,
      log: memoryLog(),
      freshnessAlertMs: 600_000,
      readStatus: () => runStatus(reading),
    })
    // Six batches, each through the command wrapper every CLI command runs in: the snapshot, then
    // simulated application changes of growing size.
    for (let round = 0; round < 6; round++) {
      if (round > 0)
        await runSimulate(source!.db, {
          ratePerSecond: 10_000,
          durationMs: undefined,
          maxChanges: 8 * round,
          seed: round,
          log: memoryLog(),
        })
      await runRecorded({ ...stores, log: memoryLog() }, command('run'), async ({ log }) => {
        const result = await runPipelineOnce({
          source: async () => source!.db,
          warehouse: async () => wh,
          ...stores,
          log,
          lagMs: 120_000,
          purchaseFactTable: 'fact_purchase_orders',
        })
        if (round > 0)
          await monitor.observe({
            at: Date.now(),
            extracted: result.extract.batchId,
            transformed: 1,
            loaded: 1,
            loadedRows: 0,
            ms: 0,
          })
      })
    }
    // Other commands, other processes: their alerts and failures land in the same store.
    const other = (names: string[], body: (log: ReturnType<typeof memoryLog>) => void, exitCode?: number) =>
      runRecorded(
        { ...stores, log: memoryLog() },
        command(...names),
        async ({ log }) => body(log as ReturnType<typeof memoryLog>),
        { exitCode: () => exitCode },
      )
    await other(['fx', 'fetch'], (log) =>
      log.alert('fx provider failed: no rates landed', {
        stage: 'fx',
        error: 'UnavailableError: https://api.frankfurter.app answered 503 four times',
      }),
    )
    await other(['datasets', 'run'], (log) =>
      log.alert('dataset file quarantined', {
        stage: 'datasets',
        dataset: 'weather',
        reason: 'not JSON: Unexpected token',
      }),
    )
    await other(['verify'], () => {}, 1)
    const viewOf = (deps: Partial<Parameters<typeof createStatusViewReader>[0]> = {}) =>
      createStatusViewReader({ ...reading, recorder, ...deps })
    app = createStatusApp(viewOf())
    const down = new PgDatabase(UNREACHABLE)
    cleanup.push(() => down.close())
    downApp = createStatusApp(viewOf({ warehouse: async () => down, warehouseDescription: down.description }))
  })
  after(async () => {
    await source?.drop()
    await warehouse?.drop()
    for (const c of cleanup) await c()
  })

  it('serves every part of the view as JSON: stages, timed batches, alerts of every command, loads', async () => {
    const view = (await (await app.request('/status.json')).json()) as StatusView
    assert.deepEqual(view.problems, [])
    assert.equal(view.status.warehouse?.lastBatch, '0000000006')
    assert.equal(view.status.warehouse?.pending, 0)
    assert.equal(view.status.warehouse?.rows.fact_payment !== undefined, true)
    assert.equal(view.loads.length, 6)
    assert.ok(view.freshness.length >= 5, 'a freshness sample per cycle')
    // The recent batches carry each stage's duration, from the status store.
    const b6 = view.recent.filter((r) => r.batchId === '0000000006')
    assert.deepEqual(
      b6.map((r) => [r.stage, r.outcome, r.ms !== null, r.rows !== null]),
      [
        ['load', 'loaded', true, true],
        ['transform', 'committed', true, true],
        ['extract', 'committed', true, true],
      ],
    )
    assert.deepEqual(
      view.alerts.map((a) => [a.level, a.command, a.message]),
      [
        ['failed run', 'verify', 'verify exited 1'],
        ['alert', 'datasets run', 'dataset file quarantined'],
        ['alert', 'fx fetch', 'fx provider failed: no rates landed'],
      ],
    )
    assert.match(view.alerts[2]?.reason ?? '', /answered 503/)
    assert.equal(view.alerts[1]?.reason, 'not JSON: Unexpected token')
    assert.equal((await app.request('/health')).status, 200)
  })

  it('measures freshness from the newest change loaded', async () => {
    const status = await runStatus({
      ...stores,
      warehouse: async () => warehouse!.db,
      warehouseDescription: 'pglite:memory',
      purchaseFactTable: 'fact_purchase_orders',
      now: () => Date.parse('2030-01-01T00:00:00Z'),
    })
    const newest = status.warehouse?.newestChange ?? ''
    assert.equal(
      status.warehouse?.freshnessSeconds,
      (Date.parse('2030-01-01T00:00:00Z') - toEpochMs(newest)) / 1000,
    )
    const perTable = status.warehouse?.tables.find((t) => t.table === 'sales_order')
    assert.ok(perTable?.newestChange && perTable.newestChange <= newest)
  })

  it('labels both axes of both charts', async () => {
    const html = await (await app.request('/')).text()
    assert.match(html, /<svg role="img" aria-label="freshness over time"/)
    assert.match(html, /class="axis-title">freshness \(s\)</)
    assert.match(html, /class="axis-title">time \(UTC\)</)
    assert.match(html, /class="axis-title">rows loaded( \(log scale\))?</)
    assert.match(html, /class="axis-title">batch \(oldest left\)</)
    assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1)[^"]*\.(js|css)/, 'no external asset')
  })

  it('names an unreachable warehouse, never shows zeros for it, and keeps what the stores hold', async () => {
    const view = (await (await downApp.request('/status.json')).json()) as StatusView
    assert.equal(view.status.warehouse, null)
    assert.deepEqual(
      view.problems.map((p) => [p.system, p.kind, p.where]),
      [['warehouse', 'unreachable', 'postgres://etl:***@127.0.0.1:1/warehouse']],
    )
    assert.match(view.problems[0]?.reason ?? '', /ECONNREFUSED/)
    assert.equal(view.status.ingestion?.lastBatch, '0000000006')
    assert.equal(view.status.processed?.lastBatch, '0000000006')
    assert.ok(view.recent.some((r) => r.stage === 'load' && r.outcome === 'unknown'))
    const html = await (await downApp.request('/')).text()
    assert.match(html, /<strong>warehouse unreachable:<\/strong>/)
    assert.doesNotMatch(html, /data-testid="warehouse-rows"/)
    assert.doesNotMatch(html, /no rows per loaded batch yet/)
    assert.match(html, /data-testid="load-last"><span class="unknown">unknown/)
    assert.doesNotMatch(html + JSON.stringify(view), /hunter2/)
    const health = await downApp.request('/health')
    assert.equal(health.status, 503)
  })

  it('lists the history per stage, filtered by stage, time and count', async () => {
    const deps = {
      ...stores,
      warehouse: async () => warehouse!.db,
      warehouseDescription: 'pglite:memory',
    }
    const all = await runReadHistory(deps, { sinceMs: 0, limit: 100 })
    assert.deepEqual(all.problems, [])
    // 6 batches × 3 stages, and the two failures other commands recorded.
    assert.equal(all.rows.length, 20)
    assert.deepEqual(
      all.rows.filter((r) => r.outcome === 'failed').map((r) => [r.stage, r.detail]),
      [
        ['verify', 'verify exited 1'],
        ['fx', 'UnavailableError: https://api.frankfurter.app answered 503 four times'],
      ],
    )
    const loads = await runReadHistory(deps, { sinceMs: 0, limit: 100, stage: 'load' })
    assert.deepEqual(
      loads.rows.map((r) => r.batchId),
      ['0000000006', '0000000005', '0000000004', '0000000003', '0000000002', '0000000001'],
    )
    assert.ok(loads.rows.every((r) => r.outcome === 'loaded' && r.ms !== null && r.atMs !== null))
    assert.equal((await runReadHistory(deps, { sinceMs: 0, limit: 4 })).rows.length, 4)
    assert.deepEqual((await runReadHistory(deps, { sinceMs: Date.now() + 60_000, limit: 100 })).rows, [])
    const text = toHistoryText(loads)
    assert.match(text, /^when \(UTC\) +stage +batch +rows +duration +outcome$/m)
    assert.match(
      text,
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} {2}load +0000000001 +30,\d{3} +\d+\.\d+ s {2}loaded$/m,
    )
  })

  it('names an unreadable store and keeps what the warehouse holds', async () => {
    const file = join(tmpdir(), `not-a-folder-${process.pid}`)
    writeFileSync(file, 'x')
    try {
      const view = await createStatusViewReader({
        ingestion: new FolderStore(file),
        processed: stores.processed,
        warehouse: async () => warehouse!.db,
        warehouseDescription: 'pglite:memory',
        purchaseFactTable: 'fact_purchase_orders',
        recorder,
      })()
      assert.equal(view.status.ingestion, null)
      assert.equal(view.status.quarantine, null)
      assert.equal(view.status.processed?.pending, null, 'pending is unknown, not zero')
      assert.deepEqual(
        view.problems.map((p) => [p.system, p.kind]),
        [['ingestion store', 'unreachable']],
      )
      assert.equal(view.status.warehouse?.lastBatch, '0000000006')
    } finally {
      rmSync(file)
    }
  })

  it('renders in a real headless Chromium', async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`no Chromium at ${CHROMIUM} (apt-get install chromium)`)
    const { chromium } = await import('playwright-core')
    const up = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    const down = serve({ fetch: downApp.fetch, port: 0, hostname: '127.0.0.1' })
    await Promise.all([up, down].map((s) => new Promise((resolve) => s.once('listening', resolve))))
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
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      await page.goto(`http://127.0.0.1:${(up.address() as AddressInfo).port}/`)
      assert.equal(await page.title(), 'totesys-etl status')
      assert.match((await page.getByTestId('freshness').textContent()) ?? '', /^\d+\.\d s$/)
      assert.equal(await page.getByTestId('load-last').textContent(), '0000000006')
      assert.equal(await page.getByTestId('quarantine-empty').textContent(), 'nothing held')
      assert.equal(await page.locator('svg[aria-label="rows per loaded batch"] rect').count(), 6)
      assert.equal(await page.getByTestId('alerts').locator('tr').count(), 4)
      assert.ok((await page.getByTestId('recent-batches').locator('tr').count()) > 10)
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
      assert.ok(statSync(SCREENSHOT).size > 10_000, 'a real screenshot')
      if (!process.env.UPDATE_SCREENSHOT) rmSync(SCREENSHOT)
      await page.goto(`http://127.0.0.1:${(down.address() as AddressInfo).port}/`)
      assert.match(
        (await page.getByTestId('problem-warehouse').textContent()) ?? '',
        /^warehouse unreachable: .*ECONNREFUSED.*\(postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/warehouse\)/,
      )
      assert.match((await page.getByTestId('freshness').textContent()) ?? '', /^unknown/)
    } finally {
      await browser.close()
      up.close()
      down.close()
    }
  })
})
