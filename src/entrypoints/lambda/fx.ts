/**
 * The FX function: on its daily schedule (or `{}`) it fetches the last FX_DAYS days (default 4) up to
 * today; invoked with `{ "from": "YYYY-MM-DD", "to": "YYYY-MM-DD" }` it backfills that range. A provider
 * failure is logged as an alert (CRITICAL) and fails the invocation, so the errors alarm fires too.
 */
import { z } from 'zod'
import { processEnvironment } from '../../config.ts'
import { type FxStageOptions, runFxStage } from '../../service/stages/run-fx-stage.ts'
import type { FxResult } from '../../streams/fx/run-fx.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { type EmitMetrics, powertoolsMetrics, toFxMetrics } from './lambda-metrics.ts'
import { parseStageEvent } from './parse-event.ts'
import { traced } from './tracing.ts'

const backfill = z.object({ from: z.string(), to: z.string() }).strict()

/** A handler over the given dependencies; FX_DAYS and FX_PROVIDER_URL unless `options` say otherwise. */
export function makeFxHandler(
  getDeps: () => Promise<Deps>,
  options: Omit<FxStageOptions, 'progress'> & { emit?: EmitMetrics } = {},
) {
  return async (event: unknown): Promise<FxResult> => {
    const range = backfill.safeParse(event)
    if (!range.success) parseStageEvent(event) // anything but a schedule, {} or a range is refused
    const result = await runFxStage(await getDeps(), range.success ? range.data : undefined, options)
    options.emit?.(toFxMetrics(result))
    return result
  }
}

export const handler = traced(
  'fx',
  makeFxHandler(lambdaDeps(processEnvironment(), ['WAREHOUSE_DB_URL']), { emit: powertoolsMetrics() }),
)
