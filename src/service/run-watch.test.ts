import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../core/errors.ts'
import { memoryLog } from '../log.ts'
import { type CycleReport, parseInterval, runWatch, toBackoffMs } from './run-watch.ts'

describe('toBackoffMs', () => {
  for (const [failures, expected] of [
    [1, 100],
    [2, 200],
    [3, 400],
    [10, 1000],
  ] as const) {
    it(`waits ${expected} ms after ${failures} failures`, () =>
      assert.equal(toBackoffMs(failures, 100, 1000), expected))
  }
})

describe('runWatch', () => {
  it('chains the stages, retries failures with one alert per incident, and stops on abort', async () => {
    const log = memoryLog()
    const controller = new AbortController()
    const calls: string[] = []
    const reports: CycleReport[] = []
    let extracts = 0
    const summary = await runWatch(
      {
        async extract() {
          extracts++
          calls.push('extract')
          if (extracts === 2 || extracts === 3) throw new Error('source down')
          return extracts === 1 || extracts === 4 ? `000000000${extracts}` : null
        },
        async transform() {
          calls.push('transform')
          return 1
        },
        async load() {
          calls.push('load')
          return { batches: 1, rows: 10 }
        },
      },
      {
        everyMs: 1,
        loadEveryMs: 60_000,
        signal: controller.signal,
        log,
        onCycle: (r) => {
          reports.push(r)
          if (reports.length === 5) controller.abort()
        },
      },
    )
    assert.deepEqual(calls, [
      'extract',
      'transform',
      'load',
      'extract',
      'extract',
      'extract',
      'transform',
      'load',
      'extract',
    ])
    assert.equal(log.entries.filter((e) => e.level === 'alert').length, 1)
    assert.ok(log.entries.some((e) => e.message === 'pipeline recovered'))
    assert.deepEqual(
      reports.map((r) => r.error ?? r.extracted),
      ['0000000001', 'source down', 'source down', '0000000004', null],
    )
    assert.deepEqual(summary, { cycles: 5, batches: 2, rows: 20, failures: 2 })
  })
})

describe('runWatch and settings that never worked', () => {
  it('stops at once on a ConfigError in its first cycle, alerting nothing', async () => {
    const log = memoryLog()
    const error = new ConfigError('EXTRACT_MODE=logical needs a PostgreSQL server as the source')
    await assert.rejects(
      runWatch(
        {
          async extract() {
            throw error
          },
          async transform() {
            return 0
          },
          async load() {
            return { batches: 0, rows: 0 }
          },
        },
        { everyMs: 1, signal: new AbortController().signal, log },
      ),
      (e) => e === error,
    )
    assert.equal(log.entries.filter((e) => e.level === 'alert').length, 0)
  })

  it('retries a ConfigError once cycles have worked (a warehouse dropped under a running service)', async () => {
    const log = memoryLog()
    const controller = new AbortController()
    let extracts = 0
    const summary = await runWatch(
      {
        async extract() {
          extracts++
          if (extracts === 2) throw new ConfigError('the warehouse lacks fact_payment: run init')
          if (extracts === 3) controller.abort()
          return null
        },
        async transform() {
          return 0
        },
        async load() {
          return { batches: 0, rows: 0 }
        },
      },
      { everyMs: 1, signal: controller.signal, log },
    )
    assert.equal(summary.failures, 1)
    assert.equal(log.entries.filter((e) => e.level === 'alert').length, 1)
  })
})

describe('parseInterval', () => {
  for (const [text, ms] of [
    ['100ms', 100],
    ['5s', 5000],
    ['2m', 120_000],
  ] as const) {
    it(`accepts ${text}`, () => assert.equal(parseInterval(text, '--every'), ms))
  }
  // 0 busy-looped before; a negative or malformed value is not a duration at all.
  for (const [text, message] of [
    ['0', /--every must be at least 100ms; got '0'/],
    ['0s', /--every must be at least 100ms/],
    ['50ms', /--every must be at least 100ms/],
    ['0.05', /--every must be at least 100ms/],
    ['-5s', /--every must be a duration/],
    ['soon', /--every must be a duration/],
  ] as const) {
    it(`refuses ${text}`, () => assert.throws(() => parseInterval(text, '--every'), message))
  }
})
