/**
 * The window's SQL turns an on-axis edge stamp, sent as milliseconds since 1970 (toEdgeArrays), back into
 * the very timestamp PostgreSQL parses from the stamp's text, whatever the session's time zone: the edge
 * still removes exactly the versions already read.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { EdgeKey } from '../../src/extract/plan-cursor.ts'
import { toEdgeArrays } from '../../src/extract/plan-cursor.ts'
import { edgeStampSql } from '../../src/extract/source-sql.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'

/** Stamps across the axis: both ends, leap days, century rules, around 1970, DST dates, random ones. */
function stamps(): string[] {
  const fixed = [
    '0001-01-01 00:00:00.000',
    '0001-12-31 23:59:59.999',
    '0004-02-29 12:00:00.001',
    '0100-03-01 00:00:00.000',
    '1582-10-10 10:10:10.010',
    '1900-02-28 23:59:59.999',
    '1969-12-31 23:59:59.999',
    '1970-01-01 00:00:00.000',
    '2000-02-29 00:00:00.000',
    '2024-03-31 01:30:00.500',
    '2024-10-27 01:30:00.500',
    '9999-12-31 23:59:59.999',
  ]
  let seed = 42
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed % n
  }
  const p = (x: number, w = 2) => String(x).padStart(w, '0')
  const random = Array.from(
    { length: 2_000 },
    () =>
      `${p(1 + next(9999), 4)}-${p(1 + next(12))}-${p(1 + next(28))} ${p(next(24))}:${p(next(60))}:${p(next(60))}.${p(next(1000), 3)}`,
  )
  return [...fixed, ...random]
}

for (const kind of DATABASE_KINDS) {
  describe(`the edge's stamps as milliseconds on ${kind} PostgreSQL`, () => {
    let test: TestDatabase | undefined
    before(async () => {
      test = await createTestDatabase(kind)
    })
    after(async () => {
      await test?.drop()
    })

    it('come back as the same timestamps as their text, in any time zone', async (t) => {
      if (!test) return t.skip('no PostgreSQL server reachable')
      const texts = stamps()
      const edge = toEdgeArrays(texts.map((ts, i): EdgeKey => [i, ts]))
      for (const zone of ['UTC', 'Pacific/Chatham', 'America/St_Johns']) {
        const db = test.db
        const rows: { ts: string; back: string }[] = await db.transaction(async (tx) => {
          await tx.exec(`SET LOCAL TimeZone = '${zone}'`)
          return tx.query<{ ts: string; back: string }>(
            `SELECT x.ts, ${edgeStampSql('x.ms')}::text AS back
             FROM unnest($1::bigint[], $2::text[]) AS x(ms, ts)
             WHERE ${edgeStampSql('x.ms')} IS DISTINCT FROM x.ts::timestamp`,
            [edge.ms, texts],
          )
        })
        assert.deepEqual(rows, [], `in ${zone}`)
      }
    })
  })
}
