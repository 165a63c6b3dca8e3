/**
 * The load function: woken when a processed manifest lands and by a safety schedule, loads every pending
 * batch, as `totesys-etl load` does, then reports how fresh the warehouse is. On its first call in a
 * container it runs the idempotent warehouse init (creates what is missing, else only checks), so a new
 * deployment needs no separate step against a database inside a VPC.
 */
import { METRIC_NAMES } from '../../core/metric-names.ts'
import { runInitWarehouse } from '../../load/run-init.ts'
import { type LoadResult, runLoad } from '../../load/run-load.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics } from './lambda-metrics.ts'
import { runMeasureFreshness } from './measure-freshness.ts'
import { parseStageEvent } from './parse-event.ts'
import { traced } from './tracing.ts'

export interface LoadHandlerResult extends LoadResult {
  readonly freshnessLagSeconds: number
}

/** A handler over the given dependencies (tests build their own); `now` is the clock freshness is read by. */
export function makeLoadHandler(
  getDeps: () => Promise<Deps>,
  emit: EmitMetrics,
  now: () => number = Date.now,
) {
  let initialised: Promise<unknown> | undefined
  return async (event: unknown): Promise<LoadHandlerResult> => {
    const woke = parseStageEvent(event)
    const deps = await getDeps()
    deps.log.debug('load woke', {
      stage: 'load',
      event: woke.kind,
      ...(woke.kind === 'objects' ? { batchIds: woke.batchIds } : {}),
    })
    const warehouse = await deps.warehouse()
    const purchaseFactTable = deps.config.purchaseFactTable
    if (!initialised) {
      initialised = runInitWarehouse(warehouse, { purchaseFactTable })
      initialised.catch(() => {
        initialised = undefined
      })
    }
    await initialised
    const result = await runLoad({
      warehouse,
      processed: deps.processed,
      log: deps.log,
      purchaseFactTable,
      tmpDir: deps.config.dataDir,
    })
    const freshness = await runMeasureFreshness({ warehouse, ingestion: deps.ingestion }, now())
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
  makeLoadHandler(lambdaDeps(process.env, ['WAREHOUSE_DB_URL']), powertoolsMetrics()),
  (result) => result.loaded.map((b) => b.batchId),
)
