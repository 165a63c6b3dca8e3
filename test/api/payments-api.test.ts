/**
 * The payments API in process (app.request), against a warehouse the pipeline loaded from the real
 * snapshot, on both kinds of PostgreSQL. The expected answers come from the source database itself (its
 * rows are the payments' current versions), so the API is checked against an independent oracle; then the
 * application changes payments and the API must follow the new current versions, not the old ones.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { OPENAPI_DOCUMENT } from '../../src/api/openapi.ts'
import { createApiApp } from '../../src/api/payments-app.ts'
import type { Database } from '../../src/io/database.ts'
import { memoryLog } from '../../src/log.ts'
import { type PipelineDeps, runPipelineOnce } from '../../src/service/pipeline.ts'
import { DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import {
  createLoadedSnapshot,
  LOADED_SNAPSHOT_LAG_MS,
  type LoadedSnapshot,
} from '../support/loaded-snapshot.ts'

interface Report {
  as_of: string
  payments: {
    payment_id: number
    payment_date: string
    amount: string
    currency_code: string
    counterparty_legal_name: string
    payment_type: string
    paid: boolean
  }[]
  freshness: { as_of: string | null; lag_seconds: number | null }
}

/** The same report computed from the source's own tables. */
async function expectedFromSource(source: Database, which: 'last5' | 'next5', asOf: string) {
  const where =
    which === 'last5' ? 'p.payment_date::date <= $1::date' : 'p.payment_date::date > $1::date AND NOT p.paid'
  const order =
    which === 'last5' ? 'p.payment_date DESC, p.payment_id DESC' : 'p.payment_date ASC, p.payment_id ASC'
  return source.query(
    `SELECT p.payment_id, p.payment_date, p.payment_amount::text AS amount, c.currency_code,
            cp.counterparty_legal_name, t.payment_type_name::text AS payment_type, p.paid
     FROM payment p JOIN currency c USING (currency_id) JOIN counterparty cp USING (counterparty_id)
     JOIN payment_type t USING (payment_type_id)
     WHERE ${where} ORDER BY ${order} LIMIT 5`,
    [asOf],
  )
}

const NOW = Date.parse('2024-03-01T12:00:00Z')

for (const kind of DATABASE_KINDS) {
  describe(`the payments API on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    let warehouse: TestDatabase | undefined
    let deps: PipelineDeps
    const log = memoryLog()
    const app = () => createApiApp({ warehouse: async () => warehouse!.db, log, now: () => NOW })
    const get = async (path: string): Promise<{ status: number; body: Report & Record<string, unknown> }> => {
      const response = await app().request(path)
      return { status: response.status, body: (await response.json()) as Report & Record<string, unknown> }
    }

    let loaded: LoadedSnapshot | undefined
    before(async () => {
      loaded = await createLoadedSnapshot(kind)
      if (!loaded) return
      ;({ source, warehouse } = loaded)
      deps = {
        source: async () => source!.db,
        warehouse: async () => warehouse!.db,
        ingestion: loaded.ingestion.store,
        processed: loaded.processed.store,
        log: memoryLog(),
        lagMs: LOADED_SNAPSHOT_LAG_MS,
        purchaseFactTable: 'fact_purchase_orders',
      }
    })
    after(() => loaded?.drop())

    const asOfDays = ['2022-11-03', '2023-01-02', '2023-06-15', '2023-11-30', '2024-02-10', '2024-02-23']

    it('answers last5 and next5 like the source for as_of days across the data, ties by id', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      for (const asOf of asOfDays) {
        for (const which of ['last5', 'next5'] as const) {
          const { status, body } = await get(`/payments/${which}?as_of=${asOf}`)
          assert.equal(status, 200, `${which} ${asOf}`)
          assert.equal(body.as_of, asOf)
          assert.deepEqual(
            body.payments,
            await expectedFromSource(source.db, which, asOf),
            `${which} ${asOf}`,
          )
          for (const [i, p] of body.payments.entries()) {
            assert.match(p.amount, /^\d+\.\d{2}$/, 'amounts are exact decimal strings')
            const prev = body.payments[i - 1]
            if (!prev) continue
            if (which === 'last5') {
              assert.ok(p.payment_date <= asOf && p.payment_date <= prev.payment_date)
              if (p.payment_date === prev.payment_date)
                assert.ok(p.payment_id < prev.payment_id, 'ties: id descending')
            } else {
              assert.ok(p.payment_date > asOf && !p.paid && p.payment_date >= prev.payment_date)
              if (p.payment_date === prev.payment_date)
                assert.ok(p.payment_id > prev.payment_id, 'ties: id ascending')
            }
          }
        }
      }
      // Many payments share a day: at least one report above must have exercised a tie.
      const { body } = await get('/payments/last5?as_of=2023-06-15')
      assert.ok(new Set(body.payments.map((p) => p.payment_date)).size < 5, 'a day with several payments')
      // Before the first payment and after the last: empty lists, not errors.
      assert.deepEqual((await get('/payments/last5?as_of=2000-01-01')).body.payments, [])
      assert.deepEqual((await get('/payments/next5?as_of=2099-01-01')).body.payments, [])
    })

    it('says how fresh the warehouse is: its newest loaded change and the lag', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const [newest] = await source.db.query<{ at: string }>(
        `SELECT to_char(max(m), 'YYYY-MM-DD HH24:MI:SS.MS') AS at FROM (
           SELECT max(last_updated) AS m FROM payment UNION ALL SELECT max(last_updated) FROM sales_order
           UNION ALL SELECT max(last_updated) FROM purchase_order UNION ALL SELECT max(last_updated) FROM transaction
           UNION ALL SELECT max(last_updated) FROM design UNION ALL SELECT max(last_updated) FROM counterparty
           UNION ALL SELECT max(last_updated) FROM address UNION ALL SELECT max(last_updated) FROM staff
           UNION ALL SELECT max(last_updated) FROM department UNION ALL SELECT max(last_updated) FROM currency
           UNION ALL SELECT max(last_updated) FROM payment_type) AS x`,
      )
      const { body } = await get('/payments/next5?as_of=2024-02-01')
      assert.equal(body.freshness.as_of, newest?.at)
      const expectedLag = (NOW - Date.parse(`${newest!.at.replace(' ', 'T')}Z`)) / 1000
      assert.ok(Math.abs((body.freshness.lag_seconds ?? -1) - expectedLag) < 0.01)
    })

    it('follows the current fact version after the application pays and changes payments', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const before = (await get('/payments/next5?as_of=2024-02-10')).body.payments
      assert.equal(before.length, 5)
      const [first, second] = before
      // Pay the first; change the second's amount and move it a day later (an exact decimal that a float would not keep).
      await source.db.query(
        'UPDATE payment SET paid = true, last_updated = localtimestamp(3) WHERE payment_id = $1',
        [first!.payment_id],
      )
      await source.db.query(
        "UPDATE payment SET payment_amount = 12345678.91, payment_date = to_char(payment_date::date + 1, 'YYYY-MM-DD'), last_updated = localtimestamp(3) WHERE payment_id = $1",
        [second!.payment_id],
      )
      await runPipelineOnce(deps)
      const history = await warehouse.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fact_payment WHERE payment_id = $1',
        [first!.payment_id],
      )
      assert.equal(history[0]?.n, 2, 'the old version stays in the fact table')
      for (const which of ['last5', 'next5'] as const) {
        for (const asOf of ['2024-02-10', '2024-02-12']) {
          const { body } = await get(`/payments/${which}?as_of=${asOf}`)
          assert.deepEqual(
            body.payments,
            await expectedFromSource(source.db, which, asOf),
            `${which} ${asOf}`,
          )
        }
      }
      const after = (await get('/payments/next5?as_of=2024-02-10')).body.payments
      assert.ok(!after.some((p) => p.payment_id === first!.payment_id), 'a paid payment leaves next5')
      const moved = await get(`/payments/last5?as_of=2099-01-01`)
      assert.ok(moved.body.payments.length === 5)
      const changed = (await expectedFromSource(source.db, 'next5', '2024-02-10')).find(
        (p) => p.payment_id === second!.payment_id,
      )
      if (changed) assert.equal(changed.amount, '12345678.91')
    })

    it('rejects bad input with 400s that name the parameter, and never reaches SQL with it', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const cases: [string, string, RegExp][] = [
        ['/payments/last5?as_of=2024-13-01', 'as_of', /calendar day/],
        ['/payments/last5?as_of=2024-02-30', 'as_of', /calendar day/],
        ['/payments/next5?as_of=yesterday', 'as_of', /YYYY-MM-DD/],
        ["/payments/next5?as_of=2024-01-01'%3B%20DROP%20TABLE%20fact_payment%3B--", 'as_of', /YYYY-MM-DD/],
        ['/payments/next5?as_of=', 'as_of', /YYYY-MM-DD/],
        ['/payments/last5?as_of=2024-01-01&as_of=2024-01-02', 'as_of', /more than once/],
        ['/payments/last5?limit=50', 'limit', /not a parameter/],
        // PostgreSQL has no year 0: these were 500s (the day failed in SQL).
        ['/payments/last5?as_of=0000-01-01', 'as_of', /out of range \(0001-01-01 to 9999-12-31\)/],
        ['/payments/next5?as_of=0000-02-29', 'as_of', /out of range/],
        ['/payments/next5?as_of=10000-01-01', 'as_of', /YYYY-MM-DD/],
        ['/payments/next5?as_of=2024-01-01T00:00:00', 'as_of', /YYYY-MM-DD/],
        ['/payments/next5?as_of=-2024-01-01', 'as_of', /YYYY-MM-DD/],
        ['/payments/next5?as_of=%EF%BC%92024-01-01', 'as_of', /YYYY-MM-DD/],
      ]
      for (const [path, parameter, message] of cases) {
        const response = await app().request(path)
        assert.equal(response.status, 400, path)
        const body = (await response.json()) as {
          error: string
          issues: { parameter: string; message: string }[]
        }
        assert.equal(body.error, 'bad_request')
        assert.equal(body.issues[0]?.parameter, parameter, path)
        assert.match(body.issues[0]?.message ?? '', message, path)
      }
      const [{ n } = { n: 0 }] = await warehouse.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fact_payment',
      )
      assert.ok(n > 9899, 'fact_payment is still there')
      for (const edge of ['0001-01-01', '9999-12-31']) {
        const response = await app().request(`/payments/last5?as_of=${edge}`)
        assert.equal(response.status, 200, edge)
      }
      const missing = await app().request('/payments/all')
      assert.equal(missing.status, 404)
      assert.equal(((await missing.json()) as { error: string }).error, 'not_found')
    })

    it('serves health, an OpenAPI document and defaults as_of to today', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const health = await app().request('/health')
      assert.equal(health.status, 200)
      assert.deepEqual(await health.json(), { status: 'ok', warehouse: 'reachable' })
      const doc = (await (await app().request('/openapi.json')).json()) as typeof OPENAPI_DOCUMENT
      assert.equal(doc.openapi, '3.1.0')
      assert.deepEqual(Object.keys(doc.paths).sort(), [
        '/health',
        '/openapi.json',
        '/payments/last5',
        '/payments/next5',
      ])
      assert.deepEqual(doc.components.schemas.Payment.required, [
        'payment_id',
        'payment_date',
        'amount',
        'currency_code',
        'counterparty_legal_name',
        'payment_type',
        'paid',
      ])
      const today = await app().request('/payments/last5')
      assert.equal(today.headers.get('cache-control'), 'no-store')
      assert.equal(((await today.json()) as Report).as_of, '2024-03-01')
    })
  })
}

describe('the payments API without a warehouse', () => {
  it('answers 503 when the warehouse cannot be reached, and 500 (logged) for a defect', async () => {
    const log = memoryLog()
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    const down = createApiApp({ warehouse: () => Promise.reject(refused), log })
    for (const path of ['/health', '/payments/last5?as_of=2024-01-01']) {
      const response = await down.request(path)
      assert.equal(response.status, 503, path)
      assert.equal(((await response.json()) as { error: string }).error, 'unavailable')
    }
    const broken = createApiApp({ warehouse: () => Promise.reject(new TypeError('a defect')), log })
    const response = await broken.request('/payments/next5')
    assert.equal(response.status, 500)
    assert.deepEqual(await response.json(), {
      error: 'internal_error',
      message: 'the request failed; it has been logged',
    })
    assert.ok(log.entries.some((e) => e.level === 'error' && String(e.fields.error).includes('a defect')))
  })
})
