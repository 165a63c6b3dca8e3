import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toFreshnessLagSeconds, toNextBatchId } from './measure-freshness.ts'

describe('toFreshnessLagSeconds', () => {
  const now = Date.UTC(2026, 10, 26, 10, 0, 0)
  const cases: [string, string | undefined, number][] = [
    ['nothing waiting', undefined, 0],
    ['ten minutes old', '2026-11-26 09:50:00', 600],
    ['with milliseconds', '2026-11-26 09:59:58.500', 2],
    ['ISO T separator', '2026-11-26T09:59:00', 60],
    ['a clock slightly ahead', '2026-11-26 10:00:03.000', 0],
    ['across midnight and a month', '2026-10-31 23:59:00', 25 * 86400 + 10 * 3600 + 60],
  ]
  for (const [name, createdAt, seconds] of cases) {
    it(name, () => assert.equal(toFreshnessLagSeconds(now, createdAt), seconds))
  }
  it('rejects a timestamp it cannot read', () => assert.throws(() => toFreshnessLagSeconds(now, 'yesterday')))
})

describe('toNextBatchId', () => {
  it('is the first batch when nothing is loaded', () => assert.equal(toNextBatchId([]), '0000000001'))
  it('is the batch after the newest loaded', () =>
    assert.equal(toNextBatchId(['0000000001', '0000000041']), '0000000042'))
})
