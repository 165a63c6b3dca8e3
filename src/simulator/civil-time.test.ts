import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatDay, formatTimestamp, isWeekend, toDayNumber, weekday } from './civil-time.ts'

describe('civil time', () => {
  for (const [text, day, dow] of [
    ['1970-01-01', 0, 4],
    ['2000-02-29', 11016, 2],
    ['2022-11-03', 19299, 4],
    ['2024-02-23', 19776, 5],
    ['1969-12-31', -1, 3],
  ] as const) {
    it(`${text} is day ${day}, weekday ${dow}, and back`, () => {
      assert.equal(toDayNumber(text), day)
      assert.equal(formatDay(day), text)
      assert.equal(weekday(day), dow)
    })
  }
  it('round-trips every day over several centuries', () => {
    for (let day = -30_000; day < 60_000; day += 7) assert.equal(toDayNumber(formatDay(day)), day)
  })
  it('knows the weekend', () => {
    assert.equal(isWeekend(toDayNumber('2024-02-24')), true)
    assert.equal(isWeekend(toDayNumber('2024-02-25')), true)
    assert.equal(isWeekend(toDayNumber('2024-02-26')), false)
  })
  it('formats timestamps with milliseconds, rolling into the next day', () => {
    assert.equal(formatTimestamp(19299, 51_649_962), '2022-11-03 14:20:49.962')
    assert.equal(formatTimestamp(19299, 0), '2022-11-03 00:00:00.000')
    assert.equal(formatTimestamp(19299, 86_400_001), '2022-11-04 00:00:00.001')
  })
  it('rejects text that is not a date', () => {
    assert.throws(() => toDayNumber('2024-2-1'), /YYYY-MM-DD/)
  })
})
