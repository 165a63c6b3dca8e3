/**
 * The load function: woken when a processed manifest lands and by a safety schedule, loads every pending
 * batch, as `totesys-etl load` does, then reports how fresh the warehouse is. On its first call in a
 * container it runs the idempotent warehouse init (creates what is missing, else only checks), so a new
 * deployment needs no separate step against a database inside a VPC.
 */
import { processEnvironment } from '../../config.ts'
import type { LoadResult } from '../../load/run-load.ts'
import { runInitStage, runLoadStage } from '../../service/stages/run-load-stage.ts'
import { toPipelineDeps } from '../../service/stages/stage-deps.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps, onceUntilFailure } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics, toLoadMetrics } from './lambda-metrics.ts'
import { runMeasureFreshness } from './measure-freshness.ts'
import { logWake, parseStageEvent } from './parse-event.ts'
import { recordInvocation } from './record-invocation.ts'
import { traced } from './tracing.ts'

export interface LoadHandlerResult extends LoadResult {
  readonly freshnessLagSeconds: number
}

/** A handler over the given dependencies (tests build their own); `now` is the clock freshness is read by. */
export function makeLoadHandler(getDeps: () => Promise<Deps>, emit: EmitMetrics, now = Date.now) {
  const init = onceUntilFailure(runInitStage)
  return async (event: unknown): Promise<LoadHandlerResult> => {
    const woke = parseStageEvent(event)
    return recordInvocation(await getDeps(), 'load', async (deps) => {
      logWake(deps.log, 'load', woke)
      const pipeline = toPipelineDeps(deps)
      await init(pipeline)
      const result = await runLoadStage(pipeline)
      const warehouse = await deps.warehouse()
      const { lagSeconds, oldestUnloaded } = await runMeasureFreshness(
        { warehouse, ingestion: deps.ingestion },
        now(),
      )
      deps.log.info('warehouse freshness', { stage: 'load', lagSeconds, oldestUnloaded })
      emit(toLoadMetrics(result, lagSeconds))
      return { ...result, freshnessLagSeconds: lagSeconds }
    })
  }
}

export const handler = traced(
  'load',
  makeLoadHandler(lambdaDeps(processEnvironment(), ['WAREHOUSE_DB_URL']), powertoolsMetrics()),
  (result) => result.loaded.map((b) => b.batchId),
)
