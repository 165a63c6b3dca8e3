import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type LogEntry, memoryLog, type Progress } from '../../log.ts'
import {
  advancingLog,
  BATCH_DONE_MESSAGES,
  toBatchRows,
  toPendingBatchIds,
  withBatchProgress,
} from './batch-progress.ts'

/** A bar that records what it was told. */
function recordingBar(): Progress & { readonly calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    start: (n) => void calls.push(`start ${n}`),
    advance: (n, label) => void calls.push(`advance ${n} ${label ?? ''}`.trim()),
    stop: () => void calls.push('stop'),
  }
}

describe('toBatchRows', () => {
  const cases: [string, Record<string, unknown> | undefined, number][] = [
    ['a load line: tables.*.rows', { tables: { dim_staff: { rows: 3 }, fact_sales_order: { rows: 7 } } }, 10],
    ['a transform line: rows per table', { rows: { dim_staff: 2, fact_payment: 5 } }, 7],
    ['no fields', undefined, 0],
    ['fields without rows', { batchId: '0000000001' }, 0],
  ]
  for (const [name, fields, rows] of cases) it(name, () => assert.equal(toBatchRows(fields), rows))
})

describe('toPendingBatchIds', () => {
  it('is what upstream committed and downstream lacks, in order, up to until', () => {
    const up = ['0000000001', '0000000002', '0000000003', '0000000004']
    assert.deepEqual(toPendingBatchIds(up, ['0000000001']), ['0000000002', '0000000003', '0000000004'])
    assert.deepEqual(toPendingBatchIds(up, ['0000000001'], '0000000003'), ['0000000002', '0000000003'])
    assert.deepEqual(toPendingBatchIds(up, up), [])
  })
})

describe('advancingLog', () => {
  it('moves the bar one batch per done line, with the rows so far, and still writes every line', () => {
    const log = memoryLog()
    const bar = recordingBar()
    const advancing = advancingLog(log, bar, BATCH_DONE_MESSAGES.load)
    advancing.info('batch loaded', { tables: { dim_staff: { rows: 1200 } } })
    advancing.info('something else', { tables: { dim_staff: { rows: 99 } } })
    advancing.info('batch already loaded by another run', { batchId: '0000000002' })
    advancing.warn('careful')
    assert.deepEqual(bar.calls, ['advance 1 1,200 rows', 'advance 1 1,200 rows'])
    assert.deepEqual(
      log.entries.map((e: LogEntry) => e.message),
      ['batch loaded', 'something else', 'batch already loaded by another run', 'careful'],
    )
  })
})

describe('withBatchProgress', () => {
  const run = async (pending: () => Promise<number | undefined>, fn = async () => 'done') => {
    const bar = recordingBar()
    const result = await withBatchProgress(memoryLog(), bar, BATCH_DONE_MESSAGES.transform, pending, fn)
    return { result, calls: bar.calls }
  }
  it('starts a bar only with more than one batch ahead, and always stops it', async () => {
    assert.deepEqual((await run(async () => 5)).calls, ['start 5', 'stop'])
    assert.deepEqual((await run(async () => 1)).calls, ['stop'])
    assert.deepEqual((await run(async () => undefined)).calls, ['stop'])
  })
  it('leaves a count that fails to the stage, and stops the bar when the stage fails', async () => {
    assert.deepEqual(
      (
        await run(async () => {
          throw new Error('no ledger yet')
        })
      ).calls,
      ['stop'],
    )
    const bar = recordingBar()
    await assert.rejects(
      withBatchProgress(
        memoryLog(),
        bar,
        [],
        async () => 3,
        async () => {
          throw new Error('stage failed')
        },
      ),
      /stage failed/,
    )
    assert.deepEqual(bar.calls, ['start 3', 'stop'])
  })
  it('without a bar, runs the stage on the log it was given', async () => {
    const log = memoryLog()
    let given: unknown
    await withBatchProgress(
      log,
      undefined,
      [],
      async () => 9,
      async (l) => {
        given = l
      },
    )
    assert.equal(given, log)
  })
})
