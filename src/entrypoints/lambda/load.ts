/**
 * The load function: woken when a processed manifest lands and by a safety schedule, loads every pending
 * batch, as `totesys-etl load` does, then reports how fresh the warehouse is. On its first call in a
 * container it runs the idempotent warehouse init (creates what is missing, else only checks), so a new
 * deployment needs no separate step against a database inside a VPC.
 */
import { processEnvironment } from '../../config.ts'
import { METRIC_NAMES } from '../../core/metric-names.ts'
import type { LoadResult } from '../../load/run-load.ts'
import { runInitStage, runLoadStage, toPipelineDeps } from '../../service/stage-runners.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics } from './lambda-metrics.ts'
import { runMeasureFreshness } from './measure-freshness.ts'
import { logWake, parseStageEvent } from './parse-event.ts'
import { traced } from './tracing.ts'

export interface LoadHandlerResult extends LoadResult {
  readonly freshnessLagSeconds: number
}

/** A handler over the given dependencies (tests build their own); `now` is the clock freshness is read by. */
export function makeLoadHandler(getDeps: () => Promise<Deps>, emit: EmitMetrics, now = Date.now) {
  let initialised: Promise<unknown> | undefined
  return async (event: unknown): Promise<LoadHandlerResult> => {
    const woke = parseStageEvent(event)
    const deps = await getDeps()
    logWake(deps.log, 'load', woke)
    const pipeline = toPipelineDeps(deps)
    // Once per container; a failed init is tried again on the next call.
    initialised ??= runInitStage(pipeline).catch((error: unknown) => {
      initialised = undefined
      throw error
    })
    await initialised
    const result = await runLoadStage(pipeline)
    const freshness = await runMeasureFreshness(
      { warehouse: await deps.warehouse(), ingestion: deps.ingestion },
      now(),
    )
    deps.log.info('warehouse freshness', { stage: 'load', ...freshness })
    emit({
      [METRIC_NAMES.loadedBatches]: result.loaded.length,
      [METRIC_NAMES.freshnessLagSeconds]: freshness.lagSeconds,
    })
    return { ...result, freshnessLagSeconds: freshness.lagSeconds }
  }
}

export const handler = traced(
  'load',
  makeLoadHandler(lambdaDeps(processEnvironment(), ['WAREHOUSE_DB_URL']), powertoolsMetrics()),
  (result) => result.loaded.map((b) => b.batchId),
)
