/**
 * The extract function: woken by the EventBridge schedule, extracts as `totesys-etl extract` does. A
 * backlog larger than EXTRACT_BATCH_ROWS becomes several batches; it starts no new one after half of
 * the invocation's remaining time, and the next schedule carries on.
 */
import { METRIC_NAMES } from '../../core/metric-names.ts'
import { type ExtractResult, runExtract } from '../../extract/run-extract.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics } from './lambda-metrics.ts'
import { parseStageEvent } from './parse-event.ts'
import { traced } from './tracing.ts'

/** A handler over the given dependencies (tests build their own). */
export function makeExtractHandler(getDeps: () => Promise<Deps>, emit: EmitMetrics) {
  return async (event: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<ExtractResult> => {
    const woke = parseStageEvent(event)
    const deps = await getDeps()
    deps.log.debug('extract woke', { stage: 'extract', event: woke.kind })
    const result = await runExtract(
      { source: await deps.source(), ingestion: deps.ingestion, log: deps.log },
      {
        lagMs: deps.config.extractLagMs,
        maxBatchRows: deps.config.extractBatchRows,
        ...(context ? { untilMs: Date.now() + context.getRemainingTimeInMillis() / 2 } : {}),
      },
    )
    emit({
      [METRIC_NAMES.extractSucceeded]: result.failedTables.length === 0 ? 1 : 0,
      [METRIC_NAMES.extractedRows]: Object.values(result.rows).reduce((a, b) => a + (b ?? 0), 0),
      [METRIC_NAMES.extractFailedTables]: result.failedTables.length,
    })
    return result
  }
}

export const handler = traced(
  'extract',
  makeExtractHandler(lambdaDeps(process.env, ['TOTESYS_DB_URL']), powertoolsMetrics()),
  (result) => result.batches,
)
