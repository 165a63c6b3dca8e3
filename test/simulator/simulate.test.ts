import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Database } from '../../src/io/database.ts'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { memoryLog } from '../../src/log.ts'
import { runLoadSnapshot } from '../../src/simulator/load-snapshot.ts'
import { runSimulate } from '../../src/simulator/run-simulate.ts'
import { runCreateSourceSchema } from '../../src/simulator/source-schema.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'

const SNAPSHOT_LAST = '2024-02-23 10:41:09.819'
const ZONE = 'America/New_York'

async function count(db: Database, sql: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT (${sql})::int AS n`)
  return row?.n ?? -1
}

for (const kind of DATABASE_KINDS) {
  describe(`simulating the application on ${kind} PostgreSQL`, () => {
    let test: TestDatabase | undefined
    let db: Database | undefined
    before(async () => {
      test = await createTestDatabase(kind)
      if (!test) return
      await runCreateSourceSchema(test.db)
      await runLoadSnapshot(test.db)
      // A session time zone far from UTC: the simulator must still stamp naive UTC.
      if (kind === 'embedded') {
        await test.db.exec(`SET TimeZone = '${ZONE}'`)
        db = test.db
      } else {
        db = new PgDatabase(`${test.url}?options=${encodeURIComponent(`-c TimeZone=${ZONE}`)}`)
      }
    })
    after(async () => {
      if (db && db !== test?.db) await db.close()
      await test?.drop()
    })

    it('adds orders with their transactions and payments, pays payments, edits lookups, all stamped', async (t) => {
      if (!test || !db) return t.skip('no PostgreSQL server reachable')
      const log = memoryLog()
      const stats = await runSimulate(db, {
        ratePerSecond: 1e6,
        durationMs: undefined,
        seed: 5,
        maxChanges: 300,
        log,
      })
      assert.equal(stats.changes, 300)
      assert.ok(stats.salesOrders > 0 && stats.purchaseOrders > 0 && stats.paymentsPaid > 0)
      const updates = Object.values(stats.updates).reduce((a, b) => a + b, 0)
      assert.equal(
        stats.salesOrders + stats.purchaseOrders + stats.paymentsPaid + stats.nothingToPay + updates,
        300,
      )
      assert.equal(log.entries.at(-1)?.message, 'simulation stopped')

      const orders = stats.salesOrders + stats.purchaseOrders
      assert.equal(await count(db, 'SELECT count(*) FROM sales_order'), 6941 + stats.salesOrders)
      assert.equal(await count(db, 'SELECT count(*) FROM purchase_order'), 2958 + stats.purchaseOrders)
      assert.equal(await count(db, 'SELECT count(*) FROM "transaction"'), 9899 + orders)
      assert.equal(await count(db, 'SELECT count(*) FROM payment'), 9899 + orders)
      assert.equal(await count(db, 'SELECT count(*) FROM payment WHERE paid'), 6021 + stats.paymentsPaid)
      const after = `last_updated > '${SNAPSHOT_LAST}'`
      assert.equal(
        await count(db, `SELECT count(*) FROM payment WHERE paid AND ${after}`),
        stats.paymentsPaid,
      )

      // Every order has exactly one transaction and one payment of its amount, type and dates.
      const broken = `SELECT count(*) FROM "transaction" t
        LEFT JOIN sales_order s USING (sales_order_id) LEFT JOIN purchase_order o USING (purchase_order_id)
        LEFT JOIN payment p USING (transaction_id) LEFT JOIN payment_type pt USING (payment_type_id)
        WHERE p.payment_id IS NULL
           OR p.payment_amount <> coalesce(s.units_sold * s.unit_price, o.item_quantity * o.item_unit_price)
           OR p.payment_date <> coalesce(s.agreed_payment_date, o.agreed_payment_date)
           OR pt.payment_type_name::text <> CASE t.transaction_type WHEN 'SALE' THEN 'SALES_RECEIPT' ELSE 'PURCHASE_PAYMENT' END`
      assert.equal(await count(db, broken), 0)
      assert.equal(
        await count(
          db,
          `SELECT count(*) FROM sales_order s WHERE NOT EXISTS (SELECT 1 FROM "transaction" t WHERE t.sales_order_id = s.sales_order_id)`,
        ),
        0,
      )
      // New rows: created_at = last_updated, naive UTC (not the session's New York time).
      for (const table of ['sales_order', 'purchase_order', 'transaction', 'payment']) {
        const newRows = `SELECT count(*) FROM "${table}" WHERE created_at > '${SNAPSHOT_LAST}'`
        assert.ok((await count(db, newRows)) > 0, table)
        const unpaid = table === 'payment' ? ' AND NOT paid' : ''
        assert.equal(await count(db, `${newRows} AND created_at <> last_updated${unpaid}`), 0, table)
      }
      const drift = `SELECT abs(extract(epoch FROM (now() AT TIME ZONE 'UTC') - max(last_updated))) FROM payment`
      assert.ok((await count(db, drift)) < 3600, 'last_updated is UTC wall time')
      assert.match(
        String(
          (await db.query<{ v: string }>('SELECT max(agreed_payment_date) AS v FROM sales_order'))[0]?.v,
        ),
        /^\d{4}-\d{2}-\d{2}$/,
      )

      // Lookup edits moved last_updated past created_at.
      let edited = 0
      for (const table of ['address', 'counterparty', 'department', 'design', 'staff']) {
        edited += await count(
          db,
          `SELECT count(*) FROM "${table}" WHERE ${after} AND last_updated > created_at`,
        )
      }
      assert.ok(edited > 0 && edited <= updates, `${edited} rows edited by ${updates} updates`)
    })

    it('stops at once when the signal has aborted, and refuses a rate of 0', async (t) => {
      if (!test || !db) return t.skip('no PostgreSQL server reachable')
      const stats = await runSimulate(db, {
        ratePerSecond: 10,
        durationMs: 60_000,
        seed: 1,
        signal: AbortSignal.abort(),
        log: memoryLog(),
      })
      assert.equal(stats.changes, 0)
      await assert.rejects(
        runSimulate(db, { ratePerSecond: 0, durationMs: 1, seed: 1, log: memoryLog() }),
        /--rate/,
      )
    })

    it('stops when the duration is over', async (t) => {
      if (!test || !db) return t.skip('no PostgreSQL server reachable')
      const stats = await runSimulate(db, { ratePerSecond: 50, durationMs: 100, seed: 2, log: memoryLog() })
      assert.ok(stats.changes >= 1 && stats.changes <= 5)
    })
  })
}
