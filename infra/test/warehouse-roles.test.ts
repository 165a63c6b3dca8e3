/**
 * sql/roles.sql on the real local PostgreSQL: after `init`, the roles it makes let each function do its
 * work through the real code (the payments app, the FX run) and nothing else: writes, DDL and reads outside
 * their tables fail with PostgreSQL's permission error. Role names get a random suffix here (roles are
 * per server, and other suites share it); the file is otherwise run as an operator runs it, twice.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { createApiApp } from '../../src/api/payments-app.ts'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { memoryLog } from '../../src/log.ts'
import { frankfurterProvider } from '../../src/streams/fx/fx-provider.ts'
import { runFx } from '../../src/streams/fx/run-fx.ts'
import { type FxTestServer, startFxServer } from '../../test/streams/fx/fx-test-server.ts'
import { createTestDatabase, SERVER_ADMIN_URL, type TestDatabase } from '../../test/support/databases.ts'
import { createTempStore } from '../../test/support/source-fixture.ts'

const ROLES = ['totesys_api', 'totesys_fx', 'totesys_datasets'] as const
type Role = (typeof ROLES)[number]

describe('sql/roles.sql', () => {
  let warehouse: TestDatabase | undefined
  const suffix = `_${randomBytes(4).toString('hex')}`
  const roleName = (role: Role) => `${role}${suffix}`
  const opened: PgDatabase[] = []
  const stores: { remove(): Promise<void> }[] = []
  let fxServer: FxTestServer

  /** The warehouse as one of the roles (the local server trusts local connections: no password). */
  const as = (role: Role) => {
    const url = new URL(warehouse!.url)
    url.username = roleName(role)
    url.password = ''
    const db = new PgDatabase(url.toString())
    opened.push(db)
    return db
  }
  /** Asserts that a statement fails with PostgreSQL's insufficient_privilege. */
  const refused = async (db: PgDatabase, statement: string) =>
    assert.rejects(db.exec(statement), (e: { code?: string }) => e.code === '42501', statement)

  before(async () => {
    warehouse = await createTestDatabase('server')
    fxServer = await startFxServer()
    if (!warehouse) return
    await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
    await warehouse.db.exec(`
      INSERT INTO dim_currency VALUES (1, 'GBP', 'Pound Sterling'), (2, 'USD', 'US Dollar'), (3, 'EUR', 'Euro');
      INSERT INTO dim_date SELECT d, 2024, 1, extract(day FROM d), 1, 'Monday', 'January', 1
        FROM generate_series('2024-01-01'::date, '2024-01-31', '1 day') AS d;
      INSERT INTO dim_payment_type VALUES (1, 'SALES_RECEIPT');
      INSERT INTO dim_transaction (transaction_id, transaction_type) VALUES (70, 'SALE');
      INSERT INTO dim_counterparty VALUES (1, 'Fahey and Sons', '1', null, null, 'Bath', 'BA1', 'UK', '01');
      INSERT INTO fact_payment (payment_id, created_date, created_time, last_updated_date, last_updated_time,
        transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id, paid, payment_date)
        VALUES (7, '2024-01-02', '10:00', '2024-01-02', '10:00', 70, 1, 123.45, 1, 1, false, '2024-01-03');`)
    let script = readFileSync(new URL('../../sql/roles.sql', import.meta.url), 'utf8')
    for (const role of ROLES) script = script.replaceAll(role, roleName(role))
    // An operator may run it again (after a redeploy, a new dataset): nothing changes, nothing fails.
    await warehouse.db.exec(script)
    await warehouse.db.exec(script)
  })
  after(async () => {
    for (const db of opened) await db.close()
    await fxServer.close()
    await warehouse?.drop()
    for (const s of stores) await s.remove()
    if (!warehouse) return
    const admin = new pg.Client({ connectionString: SERVER_ADMIN_URL })
    await admin.connect()
    for (const role of ROLES) await admin.query(`DROP ROLE IF EXISTS ${roleName(role)}`)
    await admin.end()
  })

  it('lets the payments API answer through a read-only role, which can write and create nothing', async (t) => {
    if (!warehouse) return t.skip('no PostgreSQL server reachable at 127.0.0.1:5432')
    const db = as('totesys_api')
    const app = createApiApp({
      warehouse: async () => db,
      log: memoryLog(),
      now: () => Date.parse('2024-01-10T12:00:00Z'),
    })
    const last = await app.request('/payments/last5?as_of=2024-01-10')
    assert.equal(last.status, 200, await last.clone().text())
    const body = (await last.json()) as { payments: { payment_id: number; amount: string }[] }
    assert.deepEqual(
      body.payments.map((p) => [p.payment_id, p.amount]),
      [[7, '123.45']],
    )
    assert.equal((await app.request('/payments/next5?as_of=2024-01-01')).status, 200)
    assert.equal((await app.request('/health')).status, 200)
    await refused(db, 'INSERT INTO dim_currency VALUES (9, $$XXX$$, $$x$$)')
    await refused(db, 'UPDATE fact_payment SET paid = true')
    await refused(db, 'DELETE FROM etl.load_ledger')
    await refused(db, 'CREATE TABLE sneaky (x int)')
    await refused(db, 'CREATE TABLE etl.sneaky (x int)')
    await refused(db, 'SELECT * FROM dim_staff')
    await refused(db, 'SELECT * FROM fact_sales_order')
    await refused(db, 'TRUNCATE fact_payment')
  })

  it('lets the FX run load its rates through its role, which reaches no table of the contract', async (t) => {
    if (!warehouse) return t.skip('no PostgreSQL server reachable at 127.0.0.1:5432')
    const db = as('totesys_fx')
    const ingestion = await createTempStore()
    const processed = await createTempStore()
    stores.push(ingestion, processed)
    fxServer.behave = () => 'ok'
    const result = await runFx(
      {
        warehouse: db,
        ingestion: ingestion.store,
        processed: processed.store,
        log: memoryLog(),
        provider: frankfurterProvider({ baseUrl: fxServer.url, timeoutMs: 300, attempts: 3, backoffMs: 1 }),
        tmpDir: ingestion.dir,
        now: () => Date.parse('2024-01-10T18:00:00Z'),
      },
      { from: '2024-01-04', to: '2024-01-05' },
    )
    assert.equal(result.loaded.loaded[0]?.tables.fact_fx_rate?.inserted, 12)
    const [owner] = await warehouse.db.query<{ owner: string }>(
      "SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'fact_fx_rate'",
    )
    assert.equal(owner?.owner, roleName('totesys_fx'))
    await refused(db, 'INSERT INTO dim_currency VALUES (9, $$XXX$$, $$x$$)')
    await refused(db, 'SELECT * FROM fact_payment')
    await refused(db, 'DELETE FROM etl.load_ledger')
    await refused(db, 'DROP TABLE dim_date')
    await refused(db, 'UPDATE etl.load_ledger SET rows = $${}$$')
  })

  it('lets the datasets role make its own tables and append to the stream ledger, and nothing else', async (t) => {
    if (!warehouse) return t.skip('no PostgreSQL server reachable at 127.0.0.1:5432')
    const db = as('totesys_datasets')
    // What the stream loader runs for a dataset (src/load/run-load-stream.ts), as this role.
    await db.exec(`CREATE SCHEMA IF NOT EXISTS etl;
      CREATE TABLE IF NOT EXISTS dataset_probe (station text PRIMARY KEY, rain_mm numeric);
      ALTER TABLE dataset_probe ADD COLUMN IF NOT EXISTS day date;
      INSERT INTO dataset_probe VALUES ('x', 1.5, '2024-01-02');
      INSERT INTO etl.stream_ledger (stream, batch_id, source_created_at, rows)
        VALUES ('datasets/probe', '0000000001', now(), '{}');`)
    const [row] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM etl.stream_ledger WHERE stream = 'datasets/probe'",
    )
    assert.equal(row?.n, 1)
    await refused(db, 'SELECT * FROM fact_payment')
    await refused(db, 'INSERT INTO dim_currency VALUES (9, $$XXX$$, $$x$$)')
    await refused(db, 'SELECT * FROM fact_fx_rate')
    await refused(db, 'DELETE FROM etl.stream_ledger')
    await refused(db, 'UPDATE etl.load_ledger SET rows = $${}$$')
  })
})
