import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatTick, toBatchBarChart, toNiceTicks, toTimeChart, toTimeTicks } from './status-charts.ts'

describe('toNiceTicks', () => {
  for (const [max, ticks] of [
    [3, [0, 1, 2, 3]],
    [7, [0, 2, 4, 6, 8]],
    [95, [0, 25, 50, 75, 100]],
    [30_583, [0, 10_000, 20_000, 30_000, 40_000]],
    [0, [0, 1]],
  ] as const) {
    it(`covers ${max} with ${ticks.join(', ')}`, () => assert.deepEqual(toNiceTicks(max), ticks))
  }
})

describe('formatTick', () => {
  for (const [v, text] of [
    [0, '0'],
    [950, '950'],
    [1500, '1.5k'],
    [250_000, '250k'],
    [3_000_000, '3M'],
    [0.25, '0.25'],
  ] as const) {
    it(`${v} → ${text}`, () => assert.equal(formatTick(v), text))
  }
})

describe('toTimeTicks', () => {
  const t0 = Date.parse('2026-11-30T06:00:07Z')
  it('ticks a 20-second span every 5 seconds', () =>
    assert.deepEqual(toTimeTicks(t0, t0 + 20_000), {
      ticks: [10_000, 15_000, 20_000, 25_000].map((d) => t0 - 7000 + d),
      stepMs: 5000,
    }))
  it('ticks two hours every 30 minutes', () =>
    assert.equal(toTimeTicks(t0, t0 + 2 * 3_600_000).stepMs, 1_800_000))
})

describe('charts', () => {
  it('titles and ticks both axes of a time chart', () => {
    const t0 = Date.parse('2026-11-30T06:00:00Z')
    const svg = toTimeChart(
      [
        [t0, 2],
        [t0 + 60_000, 3],
      ],
      { label: 'freshness over time', yTitle: 'freshness (s)' },
    )
    assert.match(svg, />freshness \(s\)</)
    assert.match(svg, />time \(UTC\)</)
    assert.match(svg, />06:00:00</)
    assert.match(svg, />3</)
  })

  it('says when rows are on a log scale, and ticks it by decades', () => {
    const svg = toBatchBarChart(
      [
        ['0000000001', 30_583],
        ['0000000002', 18],
      ],
      { label: 'rows', yTitle: 'rows loaded', xTitle: 'batch' },
    )
    assert.match(svg, />rows loaded \(log scale\)</)
    for (const tick of ['10', '100', '1k', '10k', '100k']) assert.match(svg, new RegExp(`>${tick}<`))
    assert.match(svg, /<title>batch 0000000001: 30,583 rows<\/title>/)
  })

  it('keeps a linear scale when the bars are of one size', () => {
    const svg = toBatchBarChart(
      [
        ['1', 40],
        ['2', 60],
      ],
      { label: 'rows', yTitle: 'rows loaded', xTitle: 'batch' },
    )
    assert.match(svg, />rows loaded</)
    assert.doesNotMatch(svg, /log scale/)
  })

  it('says there is nothing yet rather than drawing an empty chart', () =>
    assert.match(
      toTimeChart([], { label: 'freshness over time', yTitle: 's' }),
      /no freshness over time yet/,
    ))
})
