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

/** Extract, transform, load once, each doing only pending work. */
export async function runPipelineOnce(
  deps: PipelineDeps,
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  const bar = (stage: 'transform' | 'load') => (options.progress ? { progress: options.progress(stage) } : {})
  const extract = await runExtractStage(deps)
  const transform = await runTransformStage(deps, bar('transform'))
  const load = await runLoadStage(deps, bar('load'))
  return { extract, transform, load }
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
