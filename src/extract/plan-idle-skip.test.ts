import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ChangeSignal, type IdleMark, MAX_IDLE_SKIP_MS, planIdleSkip } from './plan-idle-skip.ts'

const signal = (over: Partial<ChangeSignal> = {}): ChangeSignal => ({
  snapshot: '1000:1005:1001,1003',
  serverStartedAt: '2026-11-30 09:00:00+00',
  inRecovery: false,
  atMs: 1_000_000,
  ...over,
})
const mark = (over: Partial<ChangeSignal> = {}, readAt = '0000000007'): IdleMark => ({
  signal: signal(over),
  readAt,
})

describe('planIdleSkip', () => {
  const cases: [string, IdleMark | undefined, ChangeSignal, string, string | true][] = [
    [
      'the same snapshot, batch and server, a minute later',
      mark(),
      signal({ atMs: 1_060_000 }),
      '0000000007',
      true,
    ],
    ['no complete read yet', undefined, signal(), '0000000007', 'no complete read yet'],
    [
      'a commit moved xmax',
      mark(),
      signal({ snapshot: '1000:1006:1001,1003' }),
      '0000000007',
      'a transaction finished on the source',
    ],
    [
      'an open transaction finished',
      mark(),
      signal({ snapshot: '1000:1005:1001' }),
      '0000000007',
      'a transaction finished on the source',
    ],
    ['another run committed', mark(), signal(), '0000000008', 'the cursors or the lag changed'],
    ['the lake was emptied', mark(), signal(), 'none', 'the cursors or the lag changed'],
    [
      'a restart',
      mark(),
      signal({ serverStartedAt: '2026-11-30 10:00:00+00' }),
      '0000000007',
      'source restarted',
    ],
    ['a standby', mark(), signal({ inRecovery: true }), '0000000007', 'source is a standby'],
    [
      'too long',
      mark(),
      signal({ atMs: 1_000_000 + MAX_IDLE_SKIP_MS + 1 }),
      '0000000007',
      'skipped for too long',
    ],
    ['a clock that went back', mark(), signal({ atMs: 999_000 }), '0000000007', 'skipped for too long'],
  ]
  for (const [name, m, now, last, expected] of cases) {
    it(name, () => {
      const decision = planIdleSkip(m, now, last)
      assert.deepEqual(decision, expected === true ? { skip: true } : { skip: false, reason: expected })
    })
  }
})
