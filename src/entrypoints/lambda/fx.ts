/**
 * The FX function: on its daily schedule (or `{}`) it fetches the last FX_DAYS days (default 4) up to
 * today; invoked with `{ "from": "YYYY-MM-DD", "to": "YYYY-MM-DD" }` it backfills that range. A provider
 * failure is logged as an alert (CRITICAL) and fails the invocation, so the errors alarm fires too.
 */
import { z } from 'zod'
import { EXTENSION_METRICS, powertoolsCounts } from '../../extensions/extension-metrics.ts'
import { frankfurterProvider } from '../../fx/fx-provider.ts'
import { type FxResult, planFxWindow, runFx } from '../../fx/run-fx.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { parseStageEvent } from './parse-event.ts'
import { traced } from './tracing.ts'

const backfill = z.object({ from: z.string(), to: z.string() }).strict()

/** A handler over the given dependencies; `emit` publishes the run's metrics. */
export function makeFxHandler(
  getDeps: () => Promise<Deps>,
  options: {
    providerUrl?: string
    days?: number
    now?: () => number
    emit?: (values: Record<string, number>) => void
  } = {},
) {
  return async (event: unknown): Promise<FxResult> => {
    const range = backfill.safeParse(event)
    const now = options.now ?? Date.now
    if (!range.success) parseStageEvent(event) // anything but a schedule, {} or a range is refused
    const input = range.success ? range.data : planFxWindow(now(), options.days ?? 4)
    const deps = await getDeps()
    const result = await runFx(
      {
        warehouse: await deps.warehouse(),
        ingestion: deps.ingestion,
        processed: deps.processed,
        log: deps.log,
        provider: frankfurterProvider(options.providerUrl ? { baseUrl: options.providerUrl } : {}),
        tmpDir: deps.config.dataDir,
        now,
      },
      input,
    )
    const loaded = result.loaded.loaded.reduce(
      (n, b) => n + (b.tables.fact_fx_rate?.inserted ?? 0) + (b.tables.fact_fx_rate?.updated ?? 0),
      0,
    )
    options.emit?.({
      [EXTENSION_METRICS.fxSucceeded]: 1,
      [EXTENSION_METRICS.fxRatesLoaded]: loaded,
      [EXTENSION_METRICS.fxQuarantined]: result.transformed.reduce((n, t) => n + t.quarantinedRecords, 0),
    })
    return result
  }
}

const days = Number(process.env.FX_DAYS ?? 4)
export const handler = traced(
  'fx',
  makeFxHandler(lambdaDeps(process.env, ['WAREHOUSE_DB_URL']), {
    ...(process.env.FX_PROVIDER_URL ? { providerUrl: process.env.FX_PROVIDER_URL } : {}),
    days: Number.isInteger(days) && days > 0 && days <= 92 ? days : 4,
    emit: powertoolsCounts(),
  }),
)
