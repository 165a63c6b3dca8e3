/**
 * Overlapping stages in one run: a stage follows the one before it, running a pass whenever that one
 * commits a batch, and one last pass once it has finished. The stages learn of a commit from the log
 * lines they write anyway, so none of them knows it is being followed.
 */
import { runReadLedgerBatchIds } from '../../load/load-ledger.ts'
import type { Log, Progress } from '../../log.ts'
import { advancingLog, BATCH_DONE_MESSAGES, runListBatchIds, toPendingBatchIds } from './batch-progress.ts'
import type { BatchStageOptions, PipelineDeps } from './stage-deps.ts'

/** Counts a stage's commit lines, and lets a follower wait for the next one. */
export interface StageSignal {
  /** The log given to the stage: every line written through, commit lines counted. */
  readonly log: Log
  /** The same counting around another log (one that also moves a bar). */
  wrap(log: Log): Log
  /** Commit lines so far. */
  readonly count: () => number
  /** Resolves on the next commit line. */
  next(): Promise<void>
}

/** A signal on the lines of `log` whose message is one of `messages`. */
export function stageSignal(log: Log, messages: readonly string[]): StageSignal {
  let count = 0
  let waiters: (() => void)[] = []
  const wrap = (inner: Log): Log => ({
    ...inner,
    info: (message, fields) => {
      inner.info(message, fields)
      if (!messages.includes(message)) return
      count++
      const woken = waiters
      waiters = []
      for (const wake of woken) wake()
    },
  })
  return {
    log: wrap(log),
    wrap,
    count: () => count,
    next: () => new Promise((resolve) => waiters.push(resolve)),
  }
}

type Stage = 'transform' | 'load'

/** Batches extracted but not yet past `stage` (the bar's total: upstream work counts too). */
async function runCountAhead(deps: PipelineDeps, stage: Stage): Promise<number> {
  const extracted = await runListBatchIds(deps.ingestion)
  const done =
    stage === 'transform'
      ? await runListBatchIds(deps.processed)
      : await runReadLedgerBatchIds(await deps.warehouse())
  return toPendingBatchIds(extracted, done).length
}

/**
 * Runs `run` until `upstream` has settled, each pass doing what is committed upstream by then, and once
 * more after it settled unless it committed and no commit came since the last pass began (so every batch
 * it committed is covered). Between passes it waits for the next
 * commit upstream, or the end. Returns every pass's result, in order.
 */
export async function runFollowing<R>(
  signal: StageSignal,
  upstream: Promise<unknown>,
  deps: PipelineDeps,
  stage: Stage,
  progress: ((stage: Stage) => Progress) | undefined,
  run: (deps: PipelineDeps, options: BatchStageOptions) => Promise<R>,
  countDone: (result: R) => number,
): Promise<R[]> {
  let settled = false
  const ended = upstream.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  const bar = progress?.(stage)
  const log = bar ? advancingLog(deps.log, bar, BATCH_DONE_MESSAGES[stage]) : deps.log
  let done = 0
  const results: R[] = []
  try {
    for (;;) {
      const last = settled
      const seen = signal.count()
      if (bar) {
        // A bar only for a backlog (more than one batch), as when the stages ran one after another.
        const total = done + (await runCountAhead(deps, stage).catch(() => 0))
        if (total > 1) bar.start(total)
      }
      const result = await run({ ...deps, log }, {})
      results.push(result)
      done += countDone(result)
      if (last) return results
      if (signal.count() === seen) await Promise.race([signal.next(), ended])
      // Upstream committed in this run and ended with no commit since this pass began: the pass saw every
      // batch it committed (a commit line follows its commit), so one more would find nothing of its.
      // Without a commit (nothing new, or a race lost to another run) the last pass stays, as it was.
      if (settled && seen > 0 && signal.count() === seen) return results
    }
  } finally {
    bar?.stop()
  }
}
