/**
 * The datasets function: on its schedule (or `{}`, or `{ "only": "<name>" }`), one round of every dataset
 * configured in DATASETS: new files picked up once, transformed, loaded. A dataset that fails is alerted
 * and the invocation fails after the others ran.
 */
import { z } from 'zod'
import { processEnvironment } from '../../config.ts'
import { EtlError } from '../../core/errors.ts'
import { runDatasetsStage } from '../../service/stages/run-datasets-stage.ts'
import type { DatasetOutcome } from '../../streams/datasets/run-datasets.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics, toDatasetsMetrics } from './lambda-metrics.ts'
import { parseStageEvent } from './parse-event.ts'
import { traced } from './tracing.ts'

const onlyOne = z.object({ only: z.string().min(1) }).strict()

/** A handler over the given dependencies; `emit` publishes the run's metrics. */
export function makeDatasetsHandler(getDeps: () => Promise<Deps>, emit?: EmitMetrics) {
  return async (event: unknown): Promise<DatasetOutcome[]> => {
    const only = onlyOne.safeParse(event)
    if (!only.success) parseStageEvent(event)
    const outcomes = await runDatasetsStage(await getDeps(), only.success ? only.data.only : undefined)
    emit?.(toDatasetsMetrics(outcomes))
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
  makeDatasetsHandler(lambdaDeps(processEnvironment(), ['WAREHOUSE_DB_URL']), powertoolsMetrics()),
)
