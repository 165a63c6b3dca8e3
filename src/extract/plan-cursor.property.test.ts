/**
 * Property test of the cursor planner alone (pure, fast-check): for any previous cursor and any read
 * (ties, stamps after the clock, off-axis stamps), the next cursor's hi never moves back and never passes
 * max(previous hi, the source's clock); its edge holds no key twice, every on-axis key at or after the
 * cutoff, exactly the off-axis keys the read reported; and it renders to SQL and the manifest codec.
 * The SQL side is checked against PostgreSQL in test/extract/cursor.property.test.ts. Bounded: 1,000 runs
 * or 5 s; the seed is printed on failure (rerun with FC_SEED=<seed>).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { IngestionTableEntry } from '../core/manifests/ingestion.ts'
import { assertTableCommittable } from './check-committable.ts'
import { type EdgeKey, isOnAxis, type TableRead, toEdgeArrays, toNextCursor } from './plan-cursor.ts'

const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED)
const params = { numRuns: 1000, interruptAfterTimeLimit: 5_000, ...(seed === undefined ? {} : { seed }) }

/** Stamps in a narrow range so that ties are common, plus DST edges and a far future. */
const onAxis = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 3 }))
    .map(([h, s, ms]) => `2024-03-31 0${h}:00:${String(s).padStart(2, '0')}.00${ms}`),
  fc.constantFrom('2024-10-27 01:30:00.000', '2024-03-31 01:30:00.000', '9999-12-31 23:59:59.999'),
)
const offAxis = fc.constantFrom('infinity', '-infinity', '0001-01-01 00:00:00 BC', '10000-01-01 00:00:00')
const key = (stamp: fc.Arbitrary<string>): fc.Arbitrary<EdgeKey> =>
  fc.tuple(fc.integer({ min: 1, max: 5 }), stamp)
const cursor = fc.record({
  hi: fc.option(onAxis, { nil: null }),
  edge: fc.array(key(fc.oneof(onAxis, offAxis)), { maxLength: 8 }),
})
const read: fc.Arbitrary<TableRead> = fc.record({
  now: onAxis,
  maxLastUpdated: fc.option(onAxis, { nil: null }),
  cutoff: fc.option(onAxis, { nil: null }),
  edge: fc.array(key(onAxis), { maxLength: 8 }),
  offAxis: fc.array(key(offAxis), { maxLength: 4 }),
})
const entry: IngestionTableEntry = {
  table: 'payment',
  key: null,
  rows: 0,
  bytes: 0,
  sha256: null,
  minLastUpdated: null,
  maxLastUpdated: null,
  columns: [],
  schemaFingerprint: 'x',
}

describe('toNextCursor, property', () => {
  it('keeps hi monotone and at most the clock, the edge exact, and the cursor committable', () => {
    fc.assert(
      fc.property(cursor, read, (previous, r) => {
        const next = toNextCursor(previous, r)
        if (previous.hi !== null) assert.ok(next.hi !== null && next.hi >= previous.hi, 'hi moved back')
        const bound = previous.hi !== null && previous.hi > r.now ? previous.hi : r.now
        assert.ok(next.hi === null || next.hi <= bound, `hi ${next.hi} passed ${bound}`)
        const ids = next.edge.map(([id, ts]) => `${id}|${ts}`)
        assert.equal(new Set(ids).size, ids.length, 'a key twice in the edge')
        for (const [id, ts] of [...previous.edge, ...r.edge]) {
          const kept = ids.includes(`${id}|${ts}`)
          if (isOnAxis(ts)) assert.equal(kept, r.cutoff === null || ts >= r.cutoff, `${id}|${ts} vs cutoff`)
        }
        const off = next.edge.filter(([, ts]) => !isOnAxis(ts)).map(([id, ts]) => `${id}|${ts}`)
        assert.deepEqual(new Set(off), new Set(r.offAxis.map(([id, ts]) => `${id}|${ts}`)))
        toEdgeArrays(next.edge)
        assertTableCommittable({ batchId: '0000000001', createdAt: r.now, lagMs: 0 }, entry, next)
      }),
      params,
    )
  })
})
