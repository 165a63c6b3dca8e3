import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toNewestFirst } from './status-view.ts'

describe('toNewestFirst', () => {
  it('puts the newest first, and of events in the same millisecond the one recorded last', () => {
    const recorded = [
      { atMs: 1_000, message: 'fx' },
      { atMs: 2_000, message: 'datasets' },
      { atMs: 2_000, message: 'verify' },
      { atMs: 1_500, message: 'late clock' },
    ]
    assert.deepEqual(
      toNewestFirst(recorded).map((r) => r.message),
      ['verify', 'datasets', 'late clock', 'fx'],
    )
    assert.deepEqual(recorded[0]?.message, 'fx', 'the input is left as it was')
  })
})
