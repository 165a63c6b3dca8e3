import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runLoadSnapshot } from '../../src/simulator/load-snapshot.ts'
import { hasSourceSchema, runCreateSourceSchema } from '../../src/simulator/source-schema.ts'
import { createTestDatabase, DATABASE_KINDS } from '../support/databases.ts'
import { SNAPSHOT_COUNTS } from '../support/snapshot-counts.ts'

const EXPECTED = SNAPSHOT_COUNTS

for (const kind of DATABASE_KINDS) {
  describe(`the real snapshot on ${kind} PostgreSQL`, () => {
    it('loads with the documented row counts, nulls distinct from empty strings, and sequences past the data', async (t) => {
      const test = await createTestDatabase(kind)
      if (!test) return t.skip('no PostgreSQL server reachable')
      try {
        assert.equal(await hasSourceSchema(test.db), false)
        await runCreateSourceSchema(test.db)
        assert.equal(await hasSourceSchema(test.db), true)
        assert.deepEqual(await runLoadSnapshot(test.db), EXPECTED)
        const [nulls] = await test.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM address WHERE address_line_2 IS NULL',
        )
        assert.ok((nulls?.n ?? 0) > 0)
        const [next] = await test.db.query<{ id: number }>(
          `INSERT INTO currency (currency_code, last_updated) VALUES ('JPY', now()) RETURNING currency_id AS id`,
        )
        assert.equal(next?.id, 4)
        const [money] = await test.db.query<{ v: string }>(
          'SELECT payment_amount AS v FROM payment WHERE payment_id = 1',
        )
        assert.equal(money?.v, '56925.44')
      } finally {
        await test.drop()
      }
    })
  })
}
