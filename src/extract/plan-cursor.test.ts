import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  INITIAL_CURSOR,
  maxTimestamp,
  type TableRead,
  toCursorEpochMs,
  toEdgeArrays,
  toNextCursor,
} from './plan-cursor.ts'

const T = (s: string) => `2024-02-23 10:00:${s}`

describe('toNextCursor', () => {
  const cases: {
    name: string
    previous: Parameters<typeof toNextCursor>[0]
    read: Omit<TableRead, 'now' | 'offAxis'> & Partial<TableRead>
    expected: ReturnType<typeof toNextCursor>
  }[] = [
    {
      name: 'first read sets hi and keeps keys at or after the cutoff',
      previous: INITIAL_CURSOR,
      read: {
        maxLastUpdated: T('05.000'),
        cutoff: T('03.000'),
        edge: [
          [2, T('05.000')],
          [1, T('03.000')],
        ],
      },
      expected: {
        hi: T('05.000'),
        edge: [
          [1, T('03.000')],
          [2, T('05.000')],
        ],
      },
    },
    {
      name: 'an empty read keeps the cursor (keys stay while inside the lag of hi)',
      previous: {
        hi: T('05.000'),
        edge: [
          [1, T('03.000')],
          [2, T('05.000')],
        ],
      },
      read: { maxLastUpdated: null, cutoff: T('03.000'), edge: [] },
      expected: {
        hi: T('05.000'),
        edge: [
          [1, T('03.000')],
          [2, T('05.000')],
        ],
      },
    },
    {
      name: 'a newer read moves hi and drops old keys that fell out of the lag',
      previous: {
        hi: T('05.000'),
        edge: [
          [1, T('03.000')],
          [2, T('05.000')],
        ],
      },
      read: { maxLastUpdated: T('09.000'), cutoff: T('04.000'), edge: [[3, T('09.000')]] },
      expected: {
        hi: T('09.000'),
        edge: [
          [2, T('05.000')],
          [3, T('09.000')],
        ],
      },
    },
    {
      name: 'a late row older than hi never moves hi back',
      previous: { hi: T('09.000'), edge: [[3, T('09.000')]] },
      read: { maxLastUpdated: T('08.000'), cutoff: T('04.000'), edge: [[4, T('08.000')]] },
      expected: {
        hi: T('09.000'),
        edge: [
          [4, T('08.000')],
          [3, T('09.000')],
        ],
      },
    },
    {
      name: 'ties at the same millisecond are ordered by key and never duplicated',
      previous: { hi: T('09.000'), edge: [[7, T('09.000')]] },
      read: {
        maxLastUpdated: T('09.000'),
        cutoff: T('04.000'),
        edge: [
          [5, T('09.000')],
          [7, T('09.000')],
        ],
      },
      expected: {
        hi: T('09.000'),
        edge: [
          [5, T('09.000')],
          [7, T('09.000')],
        ],
      },
    },
    {
      name: 'a row stamped after the source clock is kept in the edge but hi stops at the clock',
      previous: { hi: T('09.000'), edge: [[3, T('09.000')]] },
      read: {
        now: T('20.000'),
        maxLastUpdated: '2024-02-24 10:00:00.000',
        cutoff: T('15.000'),
        edge: [[4, '2024-02-24 10:00:00.000']],
      },
      expected: { hi: T('20.000'), edge: [[4, '2024-02-24 10:00:00.000']] },
    },
    {
      name: 'off-axis keys never move hi; they stay while the table still holds them',
      previous: {
        hi: T('09.000'),
        edge: [
          [6, 'infinity'],
          [9, '10000-01-01 00:00:00'],
        ],
      },
      read: { maxLastUpdated: null, cutoff: T('04.000'), edge: [], offAxis: [[6, 'infinity']] },
      expected: { hi: T('09.000'), edge: [[6, 'infinity']] },
    },
  ]
  for (const c of cases) {
    it(c.name, () =>
      assert.deepEqual(toNextCursor(c.previous, { now: T('59.999'), offAxis: [], ...c.read }), c.expected),
    )
  }
})

describe('toNextCursor on long edges', () => {
  /** The keys once each in (stamp, key) order, as a Map and a sort give them. */
  const reference = (keys: readonly (readonly [number, string])[]) =>
    [...new Map(keys.map((k) => [`${k[0]}|${k[1]}`, k])).values()].sort((a, b) =>
      a[1] === b[1] ? a[0] - b[0] : a[1] < b[1] ? -1 : 1,
    )
  const key = (i: number): [number, string] => [
    i % 7,
    T(`${String(10 + (i % 40)).padStart(2, '0')}.${String(i % 3).padStart(3, '0')}`),
  ]
  const sorted = (from: number, n: number) => reference(Array.from({ length: n }, (_, i) => key(from + i)))

  it('merges a sorted edge and a sorted read (keys in both kept once, ties on the stamp by key)', () => {
    const previous = { hi: T('50.000'), edge: sorted(0, 300) }
    const edge = sorted(200, 300)
    const next = toNextCursor(previous, {
      now: T('59.999'),
      maxLastUpdated: T('49.002'),
      cutoff: T('12.000'),
      edge,
      offAxis: [],
    })
    const expected = reference([...previous.edge, ...edge]).filter(([, ts]) => ts >= T('12.000'))
    assert.deepEqual(next.edge, expected)
    assert.ok(next.edge.length < previous.edge.length + edge.length, 'the lists overlapped')
  })

  it('sorts what does not come sorted', () => {
    const previous = { hi: T('50.000'), edge: sorted(0, 50).reverse() }
    const edge = [key(3), key(3), key(60), key(1)]
    const next = toNextCursor(previous, {
      now: T('59.999'),
      maxLastUpdated: T('49.002'),
      cutoff: null,
      edge,
      offAxis: [],
    })
    assert.deepEqual(next.edge, reference([...previous.edge, ...edge]))
  })
})

describe('maxTimestamp', () => {
  it('treats null as none', () => {
    assert.equal(maxTimestamp(null, null), null)
    assert.equal(maxTimestamp(null, T('01.000')), T('01.000'))
    assert.equal(maxTimestamp(T('02.000'), T('01.000')), T('02.000'))
  })
})

describe('toEdgeArrays', () => {
  it('renders PostgreSQL array literals: on-axis stamps as ms since 1970, off-axis ones as text', () => {
    assert.deepEqual(
      toEdgeArrays([
        [1, T('01.000')],
        [22, T('02.500')],
        [6, 'infinity'],
        [7, '0001-01-01 00:00:00 BC'],
      ]),
      {
        ids: '{1,22}',
        ms: `{${Date.UTC(2024, 1, 23, 10, 0, 1)},${Date.UTC(2024, 1, 23, 10, 0, 2, 500)}}`,
        offIds: '{6,7}',
        offTimestamps: '{"infinity","0001-01-01 00:00:00 BC"}',
      },
    )
    assert.deepEqual(toEdgeArrays([]), { ids: '{}', ms: '{}', offIds: '{}', offTimestamps: '{}' })
  })
  it('refuses anything that is not a key or a fixed-width timestamp (no SQL can ride in on a cursor)', () => {
    assert.throws(
      () => toEdgeArrays([[1, '2024-01-01 00:00:00.000"}\'); DROP TABLE payment; --']]),
      /invalid timestamp/,
    )
    assert.throws(() => toEdgeArrays([[1.5, T('01.000')]]), /invalid key/)
    assert.throws(() => toEdgeArrays([[1, 'infinity"}']]), /invalid timestamp/)
    assert.throws(() => toEdgeArrays([[1, '2023-02-29 00:00:00.000']]), /invalid timestamp/)
    assert.throws(() => toEdgeArrays([[1, '2024-01-01 24:00:00.000']]), /invalid timestamp/)
  })
})

describe('toCursorEpochMs', () => {
  it('counts milliseconds from 1970 on the proleptic Gregorian calendar, years 1 to 9999', () => {
    // Date.UTC is the reference here only (the code uses none): its years 0–99 map to 1900–1999, so
    // those are set with setUTCFullYear.
    const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => {
      const date = new Date(0)
      date.setUTCFullYear(y, mo - 1, d)
      date.setUTCHours(h, mi, s, ms)
      return date.getTime()
    }
    const cases: [string, number][] = [
      ['1970-01-01 00:00:00.000', 0],
      ['1969-12-31 23:59:59.999', -1],
      ['2024-02-29 12:34:56.789', utc(2024, 2, 29, 12, 34, 56, 789)],
      ['2000-03-01 00:00:00.000', utc(2000, 3, 1)],
      ['1900-02-28 23:59:59.999', utc(1900, 2, 28, 23, 59, 59, 999)],
      ['0001-01-01 00:00:00.000', utc(1, 1, 1)],
      ['0004-02-29 00:00:00.001', utc(4, 2, 29, 0, 0, 0, 1)],
      ['9999-12-31 23:59:59.999', utc(9999, 12, 31, 23, 59, 59, 999)],
    ]
    for (const [ts, expected] of cases) assert.equal(toCursorEpochMs(ts), expected, ts)
    for (let day = 0; day < 3_000_000; day += 997) {
      const ms = utc(1, 1, 1) + day * 86_400_000 + (day % 86_400) * 1000 + (day % 1000)
      const d = new Date(ms)
      const p = (x: number, w = 2) => String(x).padStart(w, '0')
      const ts = `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`
      if (d.getUTCFullYear() > 9999) break
      assert.equal(toCursorEpochMs(ts), ms, ts)
    }
  })
})
