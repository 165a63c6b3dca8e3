import { daysBetween } from '../../core/civil-date.ts'
import type { Database } from '../../io/database.ts'
import type { Progress } from '../../log.ts'
import { type FxProvider, frankfurterProvider } from '../../streams/fx/fx-provider.ts'
import {
  type FxInput,
  type FxResult,
  parseFxRange,
  planFxWindow,
  runFx,
  runReadCurrencies,
} from '../../streams/fx/run-fx.ts'
import type { StageDeps } from './stage-deps.ts'

export interface FxStageOptions {
  /** Days up to today when no range is given; default FX_DAYS. */
  readonly days?: number
  /** The provider's URL; default FX_PROVIDER_URL, else the public Frankfurter. */
  readonly providerUrl?: string
  /** A bar moved one request for each answer (a backfill of a year is thousands of requests). */
  readonly progress?: Progress
  /** The clock "today" is read by. */
  readonly now?: () => number
}

/** Lands, transforms and loads FX rates for a range of days, or for the last few days when none is given. */
export async function runFxStage(
  deps: StageDeps,
  range: FxInput | undefined,
  options: FxStageOptions = {},
): Promise<FxResult> {
  const now = options.now ?? Date.now
  const url = options.providerUrl ?? deps.config.fxProviderUrl
  const provider = frankfurterProvider(url === undefined ? {} : { baseUrl: url })
  const input = range ?? planFxWindow(now(), options.days ?? deps.config.fxDays)
  const warehouse = await deps.warehouse()
  const progress = options.progress
  if (progress) await runStartFxProgress(warehouse, input, now(), progress)
  try {
    return await runFx(
      {
        warehouse,
        ingestion: deps.ingestion,
        processed: deps.processed,
        log: deps.log,
        provider: progress ? countingAnswers(provider, progress) : provider,
        tmpDir: deps.config.dataDir,
        now,
      },
      input,
    )
  } finally {
    progress?.stop()
  }
}

/** Starts the bar at one request per day and base currency, when the range and currencies can be read. */
async function runStartFxProgress(
  warehouse: Database,
  input: FxInput,
  nowMs: number,
  progress: Progress,
): Promise<void> {
  try {
    const range = parseFxRange(input, nowMs)
    const currencies = await runReadCurrencies(warehouse)
    progress.start(daysBetween(range.from, range.to).length * currencies.length)
  } catch {
    // runFx says what is wrong (a bad range, an empty or missing dim_currency).
  }
}

/** A provider that moves a bar one request for each answer it returns. */
function countingAnswers(provider: FxProvider, progress: Progress): FxProvider {
  return {
    name: provider.name,
    async fetchDay(date, base, quotes) {
      const answer = await provider.fetchDay(date, base, quotes)
      progress.advance(1, date)
      return answer
    },
  }
}
