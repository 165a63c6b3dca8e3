/**
 * The transform function: woken when an ingestion manifest lands (S3 notification or EventBridge) or by
 * hand, transforms every pending batch, as `totesys-etl transform` does. DuckDB's scratch goes to /tmp.
 */
import { METRIC_NAMES } from '../../core/metric-names.ts'
import { runTransform, type TransformResult } from '../../transform/run-transform.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics } from './lambda-metrics.ts'
import { parseStageEvent } from './parse-event.ts'
import { traced } from './tracing.ts'

/** A handler over the given dependencies (tests build their own). */
export function makeTransformHandler(getDeps: () => Promise<Deps>, emit: EmitMetrics) {
  return async (event: unknown): Promise<TransformResult> => {
    const woke = parseStageEvent(event)
    const deps = await getDeps()
    deps.log.debug('transform woke', {
      stage: 'transform',
      event: woke.kind,
      ...(woke.kind === 'objects' ? { batchIds: woke.batchIds } : {}),
    })
    const result = await runTransform({
      ingestion: deps.ingestion,
      processed: deps.processed,
      log: deps.log,
      tmpDir: deps.config.dataDir,
    })
    emit({
      [METRIC_NAMES.transformedBatches]: result.batches.filter((b) => b.committed).length,
      [METRIC_NAMES.quarantinedRows]: result.batches.reduce((sum, b) => sum + b.quarantinedRows, 0),
    })
    return result
  }
}

export const handler = traced(
  'transform',
  makeTransformHandler(lambdaDeps(process.env, []), powertoolsMetrics()),
  (result) => result.batches.map((b) => b.batchId),
)
