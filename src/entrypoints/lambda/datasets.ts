/**
 * The datasets function: on its schedule (or `{}`, or `{ "only": "<name>" }`), one round of every dataset
 * configured in DATASETS: new files picked up once, transformed, loaded. A dataset that fails is alerted
 * and the invocation fails after the others ran.
 */
import { z } from 'zod'
import { EtlError } from '../../core/errors.ts'
import { type DatasetOutcome, runDatasets } from '../../datasets/run-datasets.ts'
import { EXTENSION_METRICS, powertoolsCounts } from '../../extensions/extension-metrics.ts'
import { toDatasetDeps } from '../dataset-deps.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { parseStageEvent } from './parse-event.ts'
import { traced } from './tracing.ts'

const onlyOne = z.object({ only: z.string().min(1) }).strict()

/** A handler over the given dependencies; `emit` publishes the run's metrics. */
export function makeDatasetsHandler(
  getDeps: () => Promise<Deps>,
  emit?: (values: Record<string, number>) => void,
) {
  return async (event: unknown): Promise<DatasetOutcome[]> => {
    const only = onlyOne.safeParse(event)
    if (!only.success) parseStageEvent(event)
    const deps = await getDeps()
    const outcomes = await runDatasets(
      await toDatasetDeps(deps),
      deps.config.datasets,
      only.success ? only.data.only : undefined,
    )
    emit?.({
      [EXTENSION_METRICS.datasetFiles]: outcomes.reduce((n, o) => n + (o.pickup?.files ?? 0), 0),
      [EXTENSION_METRICS.datasetQuarantined]: outcomes.reduce(
        (n, o) =>
          n +
          (o.pickup?.heldFiles ?? 0) +
          (o.transformed ?? []).reduce((m, t) => m + t.quarantinedRecords, 0),
        0,
      ),
      [EXTENSION_METRICS.datasetFailures]: outcomes.filter((o) => o.error).length,
    })
    const failed = outcomes.filter((o) => o.error)
    if (failed.length > 0)
      throw new EtlError(`datasets failed: ${failed.map((o) => `${o.dataset} (${o.error})`).join('; ')}`, {
        stage: 'datasets',
      })
    return outcomes
  }
}

export const handler = traced(
  'datasets',
  makeDatasetsHandler(lambdaDeps(process.env, ['WAREHOUSE_DB_URL']), powertoolsCounts()),
)
