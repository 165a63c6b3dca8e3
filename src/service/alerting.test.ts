import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Alert } from '../core/alert.ts'
import { memoryLog } from '../log.ts'
import { alertingLog, conditionTracker, toIncidentKey } from './alerting.ts'

describe('alertingLog', () => {
  it('alerts once per incident within the cooldown, and again after it', async () => {
    const inner = memoryLog()
    const sent: Alert[] = []
    let clock = 0
    const log = alertingLog(inner, {
      cooldownMs: 1000,
      now: () => clock,
      notifier: { notify: async (a) => void sent.push(a) },
    })
    log.alert('extract could not read a table', { table: 'currency' })
    log.alert('extract could not read a table', { table: 'currency' })
    log.alert('extract could not read a table', { table: 'payment' })
    clock = 1500
    log.alert('extract could not read a table', { table: 'currency' })
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(
      inner.entries.map((e) => `${e.level}:${e.fields.table}`),
      ['alert:currency', 'error:currency', 'alert:payment', 'alert:currency'],
    )
    assert.equal(sent.length, 3)
  })

  it('keeps logging when the notifier fails', async () => {
    const inner = memoryLog()
    const log = alertingLog(inner, { notifier: { notify: async () => Promise.reject(new Error('down')) } })
    log.alert('boom')
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(
      inner.entries.map((e) => e.message),
      ['boom', 'alert notifier failed'],
    )
  })
})

describe('conditionTracker', () => {
  it('alerts when a condition starts and logs when it ends', () => {
    const log = memoryLog()
    const track = conditionTracker(log, 'freshness over threshold')
    for (const holds of [false, true, true, false, false, true]) track(holds)
    assert.deepEqual(
      log.entries.map((e) => e.level),
      ['alert', 'info', 'alert'],
    )
  })
})

describe('toIncidentKey', () => {
  it('tells incidents apart by message, table and dataset', () => {
    assert.equal(toIncidentKey('m', { table: 't', rows: 3 }), 'm|t')
    assert.equal(toIncidentKey('m', {}), 'm')
  })
})
