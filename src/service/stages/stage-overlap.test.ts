import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { memoryLog } from '../../log.ts'
import type { PipelineDeps } from './stage-deps.ts'
import { runFollowing, stageSignal } from './stage-overlap.ts'

/** Deps that nothing here reads: the follower only passes them through (no bar, so no listing). */
const deps = { log: memoryLog() } as unknown as PipelineDeps

describe('stageSignal', () => {
  it('counts the commit lines, wakes a waiter on the next one, and writes every line', async () => {
    const log = memoryLog()
    const signal = stageSignal(log, ['batch committed'])
    const woken = signal.next()
    signal.log.info('something else')
    assert.equal(signal.count(), 0)
    signal.log.info('batch committed', { batchId: '0000000001' })
    await woken
    assert.equal(signal.count(), 1)
    assert.deepEqual(
      log.entries.map((e) => e.message),
      ['something else', 'batch committed'],
    )
  })
})

describe('runFollowing', () => {
  it('passes while upstream commits, and once more after it ends, so the last commit is covered', async () => {
    const signal = stageSignal(memoryLog(), ['committed'])
    let committed = 0
    const upstream = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(20)
        committed++
        signal.log.info('committed')
      }
    })()
    const seen: number[] = []
    const passes = await runFollowing(
      signal,
      upstream,
      deps,
      'transform',
      undefined,
      async () => {
        seen.push(committed)
        await sleep(5)
        return committed
      },
      () => 1,
    )
    assert.equal(seen.at(-1), 3, 'the last pass starts after upstream ended')
    assert.ok(passes.length >= 2 && passes.length <= 4, `passes: ${seen.join(', ')}`)
  })

  it('makes no pass after upstream ends when nothing was committed since the last pass began', async () => {
    const signal = stageSignal(memoryLog(), ['committed'])
    let committed = 0
    let ended = false
    const upstream = (async () => {
      await sleep(10)
      committed++
      signal.log.info('committed')
      await sleep(30) // work after the commit (the extract's idle mark): the follower's pass runs meanwhile
      ended = true
    })()
    const seen: { committed: number; ended: boolean }[] = []
    await runFollowing(
      signal,
      upstream,
      deps,
      'transform',
      undefined,
      async () => {
        seen.push({ committed, ended })
        return committed
      },
      () => 1,
    )
    assert.deepEqual(seen, [
      { committed: 0, ended: false },
      { committed: 1, ended: false },
    ])
  })

  it('still makes its last pass when upstream fails (what was committed before the failure goes on)', async () => {
    const signal = stageSignal(memoryLog(), ['committed'])
    const upstream = (async () => {
      await sleep(10)
      throw new Error('extract failed')
    })()
    upstream.catch(() => {})
    const passes = await runFollowing(
      signal,
      upstream,
      deps,
      'load',
      undefined,
      async () => 'pass',
      () => 1,
    )
    assert.ok(passes.length >= 1)
  })

  it('fails with the pass that fails', async () => {
    const signal = stageSignal(memoryLog(), ['committed'])
    await assert.rejects(
      runFollowing(
        signal,
        Promise.resolve(),
        deps,
        'load',
        undefined,
        async () => {
          throw new Error('load failed')
        },
        () => 1,
      ),
      /load failed/,
    )
  })
})
