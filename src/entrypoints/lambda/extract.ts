/**
 * The extract function: woken by the EventBridge schedule, extracts as `totesys-etl extract` does. A
 * backlog larger than EXTRACT_BATCH_ROWS becomes several batches; it starts no new one after half of
 * the invocation's remaining time, and the next schedule carries on.
 */
import { processEnvironment } from '../../config.ts'
import type { ExtractResult } from '../../extract/run-extract.ts'
import { runExtractStage } from '../../service/stages/run-extract-stage.ts'
import { toPipelineDeps } from '../../service/stages/stage-deps.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics, toExtractMetrics } from './lambda-metrics.ts'
import { logWake, parseStageEvent } from './parse-event.ts'
import { recordInvocation } from './record-invocation.ts'
import { traced } from './tracing.ts'

/** A handler over the given dependencies (tests build their own). */
export function makeExtractHandler(getDeps: () => Promise<Deps>, emit: EmitMetrics) {
  return async (event: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<ExtractResult> => {
    const woke = parseStageEvent(event)
    const budget = context ? { untilMs: Date.now() + context.getRemainingTimeInMillis() / 2 } : {}
    return recordInvocation(await getDeps(), 'extract', async (deps) => {
      logWake(deps.log, 'extract', woke)
      const result = await runExtractStage(toPipelineDeps(deps), budget)
      emit(toExtractMetrics(result))
      return result
    })
  }
}

export const handler = traced(
  'extract',
  makeExtractHandler(lambdaDeps(processEnvironment(), ['TOTESYS_DB_URL']), powertoolsMetrics()),
  (result) => result.batches,
)
