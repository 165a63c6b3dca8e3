/**
 * Daily FX rates end to end, never touching the network: a local server answers with recorded answers
 * of the provider's shape (weekends and holidays rolled back to the business day, errors on demand),
 * the raw answers land in the ingestion store with a manifest, the stream transform and load put them into
 * fact_fx_rate on both kinds of PostgreSQL.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../../src/config.ts'
import { UnavailableError } from '../../../src/core/errors.ts'
import { STREAM_INGESTION_MANIFEST } from '../../../src/core/manifests/stream.ts'
import { makeFxHandler } from '../../../src/entrypoints/lambda/fx.ts'
import type { Deps } from '../../../src/entrypoints/make-deps.ts'
import { getText } from '../../../src/io/object-store.ts'
import { runInitWarehouse } from '../../../src/load/run-init.ts'
import { memoryLog } from '../../../src/log.ts'
import { frankfurterProvider } from '../../../src/streams/fx/fx-provider.ts'
import { type FxDeps, runFx } from '../../../src/streams/fx/run-fx.ts'
import { streamManifestKey } from '../../../src/streams/stream-keys.ts'
import { runListStreamQuarantine } from '../../../src/streams/stream-quarantine.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../../support/databases.ts'
import { createTempStore } from '../../support/source-fixture.ts'
import { type FxTestServer, startFxServer } from './fx-test-server.ts'

const NOW = Date.parse('2024-01-10T18:00:00Z')

for (const kind of DATABASE_KINDS) {
  describe(`FX rates on ${kind} PostgreSQL`, () => {
    let warehouse: TestDatabase | undefined
    let server: FxTestServer
    const stores: { remove(): Promise<void> }[] = []
    let log = memoryLog()
    let deps: () => Promise<FxDeps>

    const rates = async (where = 'true') =>
      warehouse!.db.query<{ day: string; pair: string; rate: string }>(
        `SELECT to_char(date_id, 'YYYY-MM-DD') AS day, b.currency_code || '>' || q.currency_code AS pair, trim_scale(rate)::text AS rate
         FROM fact_fx_rate f JOIN dim_currency b ON b.currency_id = f.base_currency_id
         JOIN dim_currency q ON q.currency_id = f.quote_currency_id WHERE ${where} ORDER BY 1, 2`,
      )

    before(async () => {
      warehouse = await createTestDatabase(kind)
      server = await startFxServer()
      if (!warehouse) return
      await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
      await warehouse.db.exec(
        "INSERT INTO dim_currency VALUES (1, 'GBP', 'Pound Sterling'), (2, 'USD', 'US Dollar'), (3, 'EUR', 'Euro')",
      )
      // One lake per warehouse, as in production: the stream ledger is keyed by the lake's batch ids.
      const ingestion = await createTempStore()
      const processed = await createTempStore()
      stores.push(ingestion, processed)
      deps = async () => {
        log = memoryLog()
        return {
          warehouse: warehouse!.db,
          ingestion: ingestion.store,
          processed: processed.store,
          log,
          provider: frankfurterProvider({ baseUrl: server.url, timeoutMs: 300, attempts: 3, backoffMs: 1 }),
          now: () => NOW,
        }
      }
    })
    after(async () => {
      await server.close()
      await warehouse?.drop()
      for (const s of stores) await s.remove()
    })

    it('backfills a range: raw answers land with a manifest, weekends take the previous business day, rates stay exact', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      server.behave = () => 'ok'
      const d = await deps()
      const result = await runFx(d, { from: '2024-01-04', to: '2024-01-09' })
      assert.deepEqual(
        result.landed.map((b) => [b.batchId, b.requests]),
        [['0000000001', 18]],
      )
      assert.equal(result.loaded.loaded[0]?.tables.fact_fx_rate?.inserted, 36)
      // The raw answers, byte for byte as the provider sent them, and their manifest.
      const manifest = STREAM_INGESTION_MANIFEST.parse(
        (await getText(d.ingestion, streamManifestKey('fx', '0000000001')))!,
        'stream ingestion manifest',
      )
      assert.equal(manifest.meta.from, '2024-01-04')
      const lines = ((await getText(d.ingestion, manifest.files[0]!.key)) ?? '')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      const saturday = lines.find((l) => l.requested_date === '2024-01-06' && l.base === 'GBP')
      assert.equal(
        saturday.body,
        '{"amount":1.0,"base":"GBP","date":"2024-01-05","rates":{"EUR":1.1627,"USD":1.2698}}',
      )

      const gbp = await rates("b.currency_code = 'GBP'")
      assert.deepEqual(
        gbp.filter((r) => r.pair === 'GBP>USD').map((r) => `${r.day} ${r.rate}`),
        [
          '2024-01-04 1.2699',
          '2024-01-05 1.2698',
          '2024-01-06 1.2698', // Saturday: Friday's rate
          '2024-01-07 1.2698', // Sunday: Friday's rate
          '2024-01-08 1.2747',
          '2024-01-09 1.2731',
        ],
      )
      const [usdGbp] = await rates(
        "date_id = '2024-01-05' AND b.currency_code = 'USD' AND q.currency_code = 'GBP'",
      )
      assert.equal(usdGbp?.rate, '0.78755')
      const [{ type } = { type: '' }] = await warehouse.db.query<{ type: string }>(
        "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'fact_fx_rate'::regclass AND attname = 'rate'",
      )
      assert.equal(type, 'numeric')
      assert.deepEqual(await runListStreamQuarantine(d.ingestion, 'fx'), [])
    })

    it('re-fetching days upserts them: no duplicates, unchanged rows untouched, a holiday takes the last business day', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      const d = await deps()
      const again = await runFx(d, { from: '2024-01-08', to: '2024-01-09' })
      assert.deepEqual(again.loaded.loaded[0]?.tables.fact_fx_rate, { rows: 12, inserted: 0, updated: 0 })
      const holiday = await runFx(d, { from: '2023-12-22', to: '2023-12-27' })
      assert.equal(holiday.loaded.loaded[0]?.tables.fact_fx_rate?.inserted, 36)
      const eurUsd = await rates(
        "b.currency_code = 'EUR' AND q.currency_code = 'USD' AND date_id < '2024-01-01'",
      )
      assert.deepEqual(
        eurUsd.map((r) => `${r.day} ${r.rate}`),
        [
          '2023-12-22 1.1023',
          '2023-12-23 1.1023',
          '2023-12-24 1.1023',
          '2023-12-25 1.1023', // Christmas: the ECB publishes nothing
          '2023-12-26 1.1023',
          '2023-12-27 1.1065',
        ],
      )
      const [{ n } = { n: 0 }] = await warehouse.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM (SELECT DISTINCT date_id, base_currency_id, quote_currency_id FROM fact_fx_rate) x',
      )
      assert.equal(n, (await rates()).length, 'one row per day and pair')
    })

    it('with a provider that answers 404 for days without rates, carries the rate in force into the range', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      server.strict = true
      try {
        const d = await deps()
        const before = server.requests.length
        await runFx(d, { from: '2024-01-06', to: '2024-01-08' }) // Saturday to Monday
        const asked = server.requests.slice(before).filter((r) => r.includes('from=EUR'))
        assert.deepEqual(
          asked.map((r) => r.slice(1, 11)),
          ['2024-01-06', '2024-01-07', '2024-01-08', '2024-01-05'],
        )
        const eurGbp = await rates(
          "b.currency_code = 'EUR' AND q.currency_code = 'GBP' AND date_id BETWEEN '2024-01-06' AND '2024-01-08'",
        )
        assert.deepEqual(
          eurGbp.map((r) => r.rate),
          ['0.86008', '0.86008', '0.8587'],
        )
      } finally {
        server.strict = false
      }
    })

    it('retries 500s and timeouts with backoff, then succeeds', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      server.behave = (day, base, attempt) =>
        day === '2024-01-10' && base === 'GBP' && attempt === 1
          ? '500'
          : day === '2024-01-10' && base === 'USD' && attempt === 1
            ? 'hang'
            : 'ok'
      const d = await deps()
      const result = await runFx(d, { from: '2024-01-10', to: '2024-01-10' })
      assert.equal(result.loaded.loaded[0]?.tables.fact_fx_rate?.inserted, 6)
      assert.equal(server.requests.filter((r) => r.startsWith('/2024-01-10?from=GBP')).length, 2)
    })

    it('fails with a clear alert when the provider keeps failing, landing nothing', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      for (const failure of ['500', 'hang'] as const) {
        server.behave = (_day, base) => (base === 'USD' ? failure : 'ok')
        const d = await deps()
        const landed = await d.ingestion.list('ext/fx/_manifests/')
        await assert.rejects(
          runFx(d, { from: '2024-01-09', to: '2024-01-09' }),
          (error: unknown) =>
            error instanceof UnavailableError &&
            /failed 3 times for http:\/\/127\.0\.0\.1:\d+\/2024-01-09\?from=USD&to=GBP,EUR/.test(
              error.message,
            ) &&
            (failure === '500' ? /HTTP 500/ : /no answer within 300 ms/).test(error.message),
        )
        const alert = log.entries.find((e) => e.level === 'alert')
        assert.equal(alert?.message, 'fx provider failed: no rates landed')
        assert.deepEqual(await d.ingestion.list('ext/fx/_manifests/'), landed)
      }
      server.behave = () => 'ok'
    })

    it('holds an answer that fails the provider schema in quarantine, with an alert, and loads the rest', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      server.behave = (day, base) => (day === '2024-01-09' && base === 'EUR' ? 'bad-schema' : 'ok')
      try {
        const d = await deps()
        await warehouse.db.exec("DELETE FROM fact_fx_rate WHERE date_id = '2024-01-09'")
        const result = await runFx(d, { from: '2024-01-09', to: '2024-01-09' })
        assert.equal(result.loaded.loaded[0]?.tables.fact_fx_rate?.inserted, 4, 'GBP and USD bases only')
        const [entry, ...others] = await runListStreamQuarantine(d.ingestion, 'fx')
        assert.deepEqual(others, [])
        assert.match(entry?.reason ?? '', /provider answer fails its schema at rates/)
        assert.equal(entry?.records, 1)
        assert.ok(log.entries.some((e) => e.level === 'alert' && e.message === 'stream records quarantined'))
        assert.deepEqual(await rates("date_id = '2024-01-09' AND b.currency_code = 'EUR'"), [])
      } finally {
        server.behave = () => 'ok'
      }
    })

    it('runs as the Lambda handler: a backfill event, the daily schedule, metrics; a foreign event refused', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      const d = await deps()
      const emitted: Record<string, number>[] = []
      const handlerDeps: Deps = {
        config: loadConfig({ DATA_DIR: join(tmpdir(), 'fx-handler') }),
        log: d.log,
        source: () => Promise.reject(new Error('the FX function never reads the source')),
        warehouse: async () => warehouse!.db,
        ingestion: d.ingestion,
        processed: d.processed,
        close: async () => {},
      }
      const handler = makeFxHandler(async () => handlerDeps, {
        providerUrl: server.url,
        days: 2,
        now: () => NOW,
        emit: (values) => emitted.push(values),
      })
      const backfill = await handler({ from: '2024-01-03', to: '2024-01-03' })
      assert.equal(backfill.loaded.loaded[0]?.tables.fact_fx_rate?.inserted, 6)
      const before = server.requests.length
      await handler(
        JSON.parse(
          readFileSync(new URL('../../fixtures/events/scheduled-event.json', import.meta.url), 'utf8'),
        ),
      )
      assert.deepEqual(
        [...new Set(server.requests.slice(before).map((r) => r.slice(1, 11)))],
        ['2024-01-09', '2024-01-10'],
      )
      assert.deepEqual(emitted[0], { FxRunSucceeded: 1, FxRatesLoaded: 6, FxQuarantinedRecords: 0 })
      await assert.rejects(handler({ action: 'drop' }), /unrecognised event/)
    })

    it('refuses bad ranges and an empty dim_currency with clear messages', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      const d = await deps()
      await assert.rejects(
        runFx(d, { from: '2024-01-09', to: '2024-01-04' }),
        /--from 2024-01-09 is after --to/,
      )
      await assert.rejects(runFx(d, { from: '2024-02-30', to: '2024-03-01' }), /--from must be a day/)
      await assert.rejects(runFx(d, { from: '2024-01-09', to: '2024-01-11' }), /in the future/)
      const empty = await createTestDatabase(kind)
      try {
        await runInitWarehouse(empty!.db, { purchaseFactTable: 'fact_purchase_orders' })
        await assert.rejects(
          runFx({ ...d, warehouse: empty!.db }, { from: '2024-01-09', to: '2024-01-09' }),
          /dim_currency is empty/,
        )
      } finally {
        await empty?.drop()
      }
    })
  })
}
