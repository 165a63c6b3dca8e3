import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Progress } from '../../../log.ts'
import { toVerifyProgress } from './verify.ts'

describe('verify progress', () => {
  it('opens one bar per phase with its unit, advances it, and closes the last one', () => {
    const events: string[] = []
    const bar = (label: string, unit: string): Progress => ({
      start: (total) => events.push(`start ${label} ${total} ${unit}`),
      advance: (n) => events.push(`advance ${label} ${n}`),
      stop: () => events.push(`stop ${label}`),
    })
    const progress = toVerifyProgress(bar)
    progress.phase('warehouse', 1000, 'rows')
    progress.advance(400)
    progress.phase('lake files', 3, 'files')
    progress.advance(3)
    progress.stop()
    progress.stop()
    assert.deepEqual(events, [
      'start verify warehouse 1000 rows',
      'advance verify warehouse 400',
      'stop verify warehouse',
      'start verify lake files 3 files',
      'advance verify lake files 3',
      'stop verify lake files',
    ])
  })
})
