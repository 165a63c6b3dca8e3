/** The three stages wired together: once (`totesys-etl run`) or as the watch loop's stages. */
import type { ExtractResult } from '../extract/run-extract.ts'
import type { LoadResult } from '../load/run-load.ts'
import type { Progress } from '../log.ts'
import type { TransformResult } from '../transform/run-transform.ts'
import type { WatchStages } from './run-watch.ts'
import { runExtractStage } from './stages/run-extract-stage.ts'
import { runLoadStage } from './stages/run-load-stage.ts'
import { runTransformStage } from './stages/run-transform-stage.ts'
import type { PipelineDeps } from './stages/stage-deps.ts'
import { runFollowing, stageSignal } from './stages/stage-overlap.ts'

export type { PipelineDeps } from './stages/stage-deps.ts'

export interface PipelineResult {
  readonly extract: ExtractResult
  readonly transform: TransformResult
  readonly load: LoadResult
}

export interface PipelineOptions {
  /** A bar for a stage with more than one batch ahead (a first run, a rebuild); none by default. */
  readonly progress?: (stage: 'transform' | 'load') => Progress
}

/** The log line each stage writes when it commits one batch: what wakes the stage after it. */
const COMMITTED = {
  extract: ['extract committed a batch'],
  transform: ['batch transformed'],
} as const

/**
 * Extract, transform, load once, each doing only pending work. The stages overlap: transform starts on
 * the first batch extract commits and load on the first one transform commits, so a backlog cut into
 * bounded batches keeps both cores busy (DuckDB on one batch while PostgreSQL loads the one before).
 * They meet only through committed manifests and the ledger, as when they run in separate processes, so
 * each batch is still transformed and loaded once, in order. Every stage runs to its end (a failing
 * stage lets the others finish what was committed before it); then the first failure, in stage order,
 * is thrown.
 */
export async function runPipelineOnce(
  deps: PipelineDeps,
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  const extracted = stageSignal(deps.log, COMMITTED.extract)
  const transformed = stageSignal(deps.log, COMMITTED.transform)
  const extracting = runExtractStage({ ...deps, log: extracted.log })
  const transforming = runFollowing(
    extracted,
    extracting,
    deps,
    'transform',
    options.progress,
    (d, o) => runTransformStage({ ...d, log: transformed.wrap(d.log) }, o),
    (r) => r.batches.length,
  )
  const loading = runFollowing(
    transformed,
    transforming,
    deps,
    'load',
    options.progress,
    runLoadStage,
    (r) => r.loaded.length + r.skipped.length,
  )
  const [extract, transform, load] = await Promise.allSettled([extracting, transforming, loading])
  for (const outcome of [extract, transform, load]) if (outcome.status === 'rejected') throw outcome.reason
  return {
    extract: (extract as PromiseFulfilledResult<ExtractResult>).value,
    transform: {
      batches: (transform as PromiseFulfilledResult<TransformResult[]>).value.flatMap((r) => r.batches),
    },
    load: mergeLoads((load as PromiseFulfilledResult<LoadResult[]>).value),
  }
}

/** One LoadResult from a stage's passes, in order. */
function mergeLoads(passes: readonly LoadResult[]): LoadResult {
  const waitingFor = passes.at(-1)?.waitingFor
  return {
    loaded: passes.flatMap((p) => p.loaded),
    skipped: passes.flatMap((p) => p.skipped),
    ...(waitingFor === undefined ? {} : { waitingFor }),
  }
}

/** The stages as the watch loop drives them. */
export function toWatchStages(deps: PipelineDeps): WatchStages {
  return {
    extract: async () => (await runExtractStage(deps)).batchId,
    transform: async () => (await runTransformStage(deps)).batches.filter((b) => b.committed).length,
    load: async () => {
      const { loaded } = await runLoadStage(deps)
      const rows = loaded.reduce(
        (sum, b) => sum + Object.values(b.tables).reduce((n, t) => n + (t?.rows ?? 0), 0),
        0,
      )
      return { batches: loaded.length, rows }
    },
  }
}
