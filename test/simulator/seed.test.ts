import assert from 'node:assert/strict'
import { text } from 'node:stream/consumers'
import { after, before, describe, it } from 'node:test'
import { ConfigError } from '../../src/core/errors.ts'
import type { Database } from '../../src/io/database.ts'
import { memoryLog } from '../../src/log.ts'
import { runSeed } from '../../src/simulator/run-seed.ts'
import { runSimulate } from '../../src/simulator/run-simulate.ts'
import { runCreateSourceSchema } from '../../src/simulator/source-schema.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'

const LOOKUPS = { address: 30, counterparty: 20, currency: 3, department: 8, payment_type: 4, staff: 20 }

for (const kind of DATABASE_KINDS) {
  describe(`seeding ${kind} PostgreSQL`, () => {
    let test: TestDatabase | undefined
    before(async () => {
      test = await createTestDatabase(kind)
    })
    after(async () => {
      await test?.drop()
    })
    const dump = async (db: Database, table: string, key: string) =>
      text(await db.copyOut(`COPY (SELECT * FROM ${table} ORDER BY ${key}) TO STDOUT (FORMAT csv)`))

    it('will not simulate on a database that was never seeded', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const options = { ratePerSecond: 1, durationMs: 1, seed: 1, log: memoryLog() }
      await assert.rejects(runSimulate(test.db, options), /no totesys tables: run 'totesys-etl seed'/)
      await runCreateSourceSchema(test.db)
      await assert.rejects(runSimulate(test.db, options), /no address rows/)
    })

    it('streams synthetic data at a scale into an empty schema, identical for a seed', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const seen = { total: 0, done: 0, stopped: false }
      const progress = {
        start: (n: number) => {
          seen.total = n
        },
        advance: (n: number) => {
          seen.done += n
        },
        stop: () => {
          seen.stopped = true
        },
      }
      const log = memoryLog()
      const synthetic = { kind: 'synthetic', scale: 0.05, seed: 3 } as const
      const counts = await runSeed(test.db, synthetic, { log, progress })
      assert.deepEqual(counts, {
        ...LOOKUPS,
        design: 16,
        payment: 495,
        purchase_order: 148,
        sales_order: 347,
        transaction: 495,
      })
      assert.deepEqual(seen, { total: 1501, done: 1501, stopped: true }, 'the progress saw every row')
      assert.equal(log.entries.at(-1)?.message, 'source seeded')
      const [keys] = await test.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`,
      )
      assert.equal(keys?.n, 17, 'the foreign keys dropped for the load are back')
      const payments = await dump(test.db, 'payment', 'payment_id')
      const designs = await dump(test.db, 'design', 'design_id')

      await assert.rejects(
        runSeed(test.db, synthetic, { log }),
        (e) => e instanceof ConfigError && /--force/.test(e.message),
      )
      await runSeed(test.db, synthetic, { log, force: true })
      assert.equal(await dump(test.db, 'payment', 'payment_id'), payments)
      assert.equal(await dump(test.db, 'design', 'design_id'), designs)

      const [next] = await test.db.query<{ id: number }>(
        `INSERT INTO design (design_name, file_location, file_name, last_updated)
         VALUES ('Steel', '/etc', 'steel.json', localtimestamp) RETURNING design_id AS id`,
      )
      assert.equal(next?.id, 17, 'sequences move past the generated ids')
      const [paid] = await test.db.query<{ n: number }>('SELECT count(*)::int AS n FROM payment WHERE paid')
      assert.ok((paid?.n ?? 0) > 200 && (paid?.n ?? 0) < 350)
    })

    it('replaces synthetic data with the real snapshot under --force', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const counts = await runSeed(test.db, { kind: 'snapshot' }, { log: memoryLog(), force: true })
      assert.deepEqual(counts, {
        ...LOOKUPS,
        design: 324,
        payment: 9899,
        purchase_order: 2958,
        sales_order: 6941,
        transaction: 9899,
      })
    })

    it('refuses a bad scale before writing anything', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      await assert.rejects(
        runSeed(test.db, { kind: 'synthetic', scale: 0, seed: 1 }, { log: memoryLog() }),
        /--scale/,
      )
      const [row] = await test.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sales_order')
      assert.equal(row?.n, 6941)
    })
  })
}
