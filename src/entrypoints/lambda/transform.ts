/**
 * The transform function: woken when an ingestion manifest lands (S3 notification or EventBridge) or by
 * hand, transforms every pending batch, as `totesys-etl transform` does. DuckDB's scratch goes to /tmp.
 */
import { processEnvironment } from '../../config.ts'
import { runTransformStage } from '../../service/stages/run-transform-stage.ts'
import { toPipelineDeps } from '../../service/stages/stage-deps.ts'
import type { TransformResult } from '../../transform/run-transform.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics, toTransformMetrics } from './lambda-metrics.ts'
import { logWake, parseStageEvent } from './parse-event.ts'
import { recordInvocation } from './record-invocation.ts'
import { traced } from './tracing.ts'

/** A handler over the given dependencies (tests build their own). */
export function makeTransformHandler(getDeps: () => Promise<Deps>, emit: EmitMetrics) {
  return async (event: unknown): Promise<TransformResult> => {
    const woke = parseStageEvent(event)
    return recordInvocation(await getDeps(), 'transform', async (deps) => {
      logWake(deps.log, 'transform', woke)
      const result = await runTransformStage(toPipelineDeps(deps))
      emit(toTransformMetrics(result))
      return result
    })
  }
}

export const handler = traced(
  'transform',
  makeTransformHandler(lambdaDeps(processEnvironment(), []), powertoolsMetrics()),
  (result) => result.batches.map((b) => b.batchId),
)
