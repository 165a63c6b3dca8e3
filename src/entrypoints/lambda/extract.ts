/** The extract function: woken by the EventBridge schedule, runs one extract, as `totesys-etl extract` does. */
import { METRIC_NAMES } from '../../core/metric-names.ts'
import { type ExtractResult, runExtract } from '../../extract/run-extract.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics } from './lambda-metrics.ts'
import { parseStageEvent } from './parse-event.ts'

/** A handler over the given dependencies (tests build their own). */
export function makeExtractHandler(getDeps: () => Promise<Deps>, emit: EmitMetrics) {
  return async (event: unknown): Promise<ExtractResult> => {
    const woke = parseStageEvent(event)
    const deps = await getDeps()
    deps.log.debug('extract woke', { stage: 'extract', event: woke.kind })
    const result = await runExtract(
      { source: await deps.source(), ingestion: deps.ingestion, log: deps.log },
      { lagMs: deps.config.extractLagMs },
    )
    emit({
      [METRIC_NAMES.extractSucceeded]: result.failedTables.length === 0 ? 1 : 0,
      [METRIC_NAMES.extractedRows]: Object.values(result.rows).reduce((a, b) => a + (b ?? 0), 0),
      [METRIC_NAMES.extractFailedTables]: result.failedTables.length,
    })
    return result
  }
}

export const handler = makeExtractHandler(lambdaDeps(process.env, ['TOTESYS_DB_URL']), powertoolsMetrics())
