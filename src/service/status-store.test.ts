import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  parseStatusEvent,
  parseStatusKey,
  STATUS_RETENTION_DAYS,
  type StatusEvent,
  toStatusEventJson,
  toStatusFolders,
  toStatusKey,
} from './status-store.ts'

const AT = Date.parse('2026-11-30T06:19:05.123Z')
const anEvent = (over: Partial<StatusEvent> = {}): StatusEvent => ({
  at: AT,
  kind: 'alert',
  command: 'fx fetch',
  message: 'fx provider failed: no rates landed',
  ...over,
})

describe('toStatusKey / parseStatusKey', () => {
  for (const [event, key] of [
    [anEvent(), '_status/events/2026-11-30/061905123-alert-abcd0123.json'],
    [anEvent({ kind: 'run', outcome: 'ok' }), '_status/events/2026-11-30/061905123-run-abcd0123.json'],
    [
      anEvent({ kind: 'batch', stage: 'load', batchId: '0000000042' }),
      '_status/batches/2026-11-30/06/061905123-batch-load-0000000042-abcd0123.json',
    ],
  ] as const) {
    it(`files a ${event.kind} under ${key}`, () => {
      assert.equal(toStatusKey(event, 'abcd0123'), key)
      const info = parseStatusKey(key)
      assert.equal(info?.at, AT)
      assert.equal(info?.kind, event.kind)
      assert.equal(info?.batchId, event.batchId)
    })
  }

  it('sorts keys of one folder in time order', () => {
    const keys = [AT + 1000, AT, AT + 10].map((at) => toStatusKey(anEvent({ at }), '00000000'))
    assert.deepEqual(
      [...keys].sort().map((k) => parseStatusKey(k)?.at),
      [AT, AT + 10, AT + 1000],
    )
  })

  for (const key of [
    '_status/events/2026-11-30/061905123-alert-abcd0123.json.tmp',
    '_status/events/2026-11-30/061905123-bogus-abcd0123.json',
    '_status/events/2026-13-30/061905123-alert-abcd0123.json',
    '_manifests/0000000001.json',
  ]) {
    it(`ignores ${key}`, () => assert.equal(parseStatusKey(key), undefined))
  }
})

describe('toStatusFolders', () => {
  it('lists day folders for events and hour folders for batches', () => {
    const from = Date.parse('2026-11-29T23:30:00Z')
    const to = Date.parse('2026-11-30T01:10:00Z')
    assert.deepEqual(toStatusFolders('events', from, to), [
      '_status/events/2026-11-29/',
      '_status/events/2026-11-30/',
    ])
    assert.deepEqual(toStatusFolders('batches', from, to), [
      '_status/batches/2026-11-29/23/',
      '_status/batches/2026-11-30/00/',
      '_status/batches/2026-11-30/01/',
    ])
  })

  it('never reaches past the retention', () => {
    assert.equal(toStatusFolders('events', 0, AT).length, STATUS_RETENTION_DAYS + 1)
  })
})

describe('status event JSON', () => {
  it('round-trips every field', () => {
    const event = anEvent({
      kind: 'batch',
      stage: 'load',
      batchId: '0000000042',
      table: 'payment',
      rows: 1630,
      ms: 410,
      outcome: 'failed',
      exitCode: 1,
      error: 'UnavailableError: cannot connect',
      fields: { dataset: 'weather' },
    })
    assert.deepEqual(parseStatusEvent(toStatusEventJson(event)), event)
  })

  for (const text of [
    '{',
    '{"at":"yesterday","kind":"alert","command":"x","message":"m"}',
    '{"kind":"alert"}',
  ]) {
    it(`refuses ${text}`, () => assert.throws(() => parseStatusEvent(text)))
  }
})
