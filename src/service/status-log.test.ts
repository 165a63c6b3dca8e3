import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { memoryLog } from '../log.ts'
import { type StatusWriter, statusLog, toRowCount, toStatusEvent } from './status-log.ts'
import type { StatusEvent } from './status-store.ts'

describe('toStatusEvent', () => {
  const at = 1000
  for (const [level, message, fields, expected] of [
    ['alert', 'extract could not read a table', { table: 'currency', reason: 'gone' }, 'alert'],
    ['error', 'pipeline cycle failed again', { error: 'boom' }, 'error'],
    ['error', 'extract could not read a table', { repeatOfAlert: true }, undefined],
    ['warn', 'load stopped at a missing batch', { stage: 'load', batchId: '0000000003' }, 'warn'],
    ['info', 'pipeline recovered', { stage: 'watch', resolved: true }, 'resolved'],
    [
      'info',
      'extract committed a batch',
      { stage: 'extract', batchId: '0000000001', rows: 5, ms: 12 },
      'batch',
    ],
    ['info', 'batch loaded', { stage: 'load', batchId: '0000000001', tables: {}, ms: 9 }, 'batch'],
    [
      'info',
      'batch transformed',
      { stage: 'transform', batchId: '0000000001', committed: false, ms: 9 },
      undefined,
    ],
    ['info', 'stream batch loaded', { stage: 'load', stream: 'fx', batchId: '0000000001', ms: 9 }, undefined],
    ['info', 'extract found no changes', { stage: 'extract', ms: 3 }, undefined],
    ['info', 'seeding the source', { stage: 'service' }, undefined],
  ] as const) {
    it(`keeps ${level} '${message}' as ${expected ?? 'nothing'}`, () =>
      assert.equal(toStatusEvent(level, message, fields, 'run', at)?.kind, expected))
  }

  it('lifts the ids, the rows and the error with its causes out of the fields', () => {
    assert.deepEqual(
      toStatusEvent(
        'alert',
        'pipeline cycle failed; retrying with backoff',
        {
          stage: 'watch',
          error: 'UnavailableError: cannot connect',
          causes: ['Error: ECONNREFUSED'],
          failures: 1,
        },
        'watch',
        5,
      ),
      {
        at: 5,
        kind: 'alert',
        command: 'watch',
        message: 'pipeline cycle failed; retrying with backoff',
        stage: 'watch',
        error: 'UnavailableError: cannot connect ← Error: ECONNREFUSED',
        fields: { failures: 1 },
      },
    )
  })

  it('keeps an event small whatever its fields', () => {
    const event = toStatusEvent('alert', 'm', { samples: 'x'.repeat(10_000) }, 'run', 1)
    assert.deepEqual(event?.fields, { truncated: true })
  })
})

describe('toRowCount', () => {
  for (const [fields, rows] of [
    [{ rows: 7 }, 7],
    [{ rows: { dim_staff: 2, fact_payment: 3 } }, 5],
    [{ tables: { fact_payment: { rows: 4, inserted: 4, updated: 0 }, dim_date: { rows: 1 } } }, 5],
    [{}, undefined],
  ] as const) {
    it(`counts ${JSON.stringify(fields)} as ${rows}`, () => assert.equal(toRowCount(fields), rows))
  }
})

describe('statusLog', () => {
  it('passes every line through and stores a retried warning once per ten minutes', () => {
    const inner = memoryLog()
    const written: StatusEvent[] = []
    const writer: StatusWriter = { write: (e) => void written.push(e), flush: async () => {} }
    let clock = 0
    const log = statusLog(inner, writer, 'watch', () => clock)
    for (const at of [0, 60_000, 599_000, 600_000]) {
      clock = at
      log.warn('load stopped at a missing batch', { stage: 'load' })
    }
    log.info('nothing to keep')
    log.debug('nor this')
    assert.equal(inner.entries.length, 6)
    assert.deepEqual(
      written.map((e) => e.at),
      [0, 600_000],
    )
  })
})
