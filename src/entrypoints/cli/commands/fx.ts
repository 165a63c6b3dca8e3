import { ConfigError } from '../../../core/errors.ts'
import { FRANKFURTER_URL, type FxProvider } from '../../../fx/fx-provider.ts'
import type { FxInput, FxResult } from '../../../fx/run-fx.ts'
import type { Progress } from '../../../log.ts'
import type { Deps } from '../../make-deps.ts'
import type { CommandContext } from '../command-context.ts'
import type { RegisterCommand } from './index.ts'

/** A provider that moves a bar one request for each answer it returns. */
function counting(provider: FxProvider, progress: Progress): FxProvider {
  return {
    name: provider.name,
    async fetchDay(date, base, quotes) {
      const answer = await provider.fetchDay(date, base, quotes)
      progress.advance(1, date)
      return answer
    },
  }
}

async function runWith(
  ctx: CommandContext,
  deps: Deps,
  input: FxInput,
  providerUrl: string,
): Promise<FxResult> {
  const { frankfurterProvider } = await import('../../../fx/fx-provider.ts')
  const { parseFxRange, runFx, runReadCurrencies } = await import('../../../fx/run-fx.ts')
  const { daysBetween } = await import('../../../extensions/exact-decimal.ts')
  const warehouse = await deps.warehouse()
  // One request per day and base currency (a backfill of a year is thousands): a bar on a terminal.
  const progress = ctx.progress('fx', 'requests')
  try {
    const range = parseFxRange(input, Date.now())
    const currencies = await runReadCurrencies(warehouse)
    progress.start(daysBetween(range.from, range.to).length * currencies.length)
  } catch {
    // runFx says what is wrong (a bad range, an empty or missing dim_currency).
  }
  try {
    return await runFx(
      {
        warehouse,
        ingestion: deps.ingestion,
        processed: deps.processed,
        log: deps.log,
        provider: counting(frankfurterProvider({ baseUrl: providerUrl }), progress),
        tmpDir: deps.config.dataDir,
      },
      input,
    )
  } finally {
    progress.stop()
  }
}

function report(result: FxResult, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(result))
    return
  }
  for (const b of result.landed) console.log(`landed batch ${b.batchId}: ${b.requests} answers`)
  for (const b of result.loaded.loaded) {
    const t = b.tables.fact_fx_rate
    console.log(`loaded batch ${b.batchId}: fact_fx_rate +${t?.inserted ?? 0} ~${t?.updated ?? 0}`)
  }
  const held = result.transformed.reduce((n, t) => n + t.quarantinedRecords, 0)
  if (held > 0) console.log(`held in quarantine: ${held} (ext/fx/_quarantine/ in the ingestion store)`)
}

/** `totesys-etl fx fetch | backfill`: daily exchange rates into fact_fx_rate. */
export const registerFx: RegisterCommand = (program, ctx) => {
  const fx = program
    .command('fx')
    .description('daily exchange rates (ECB, via Frankfurter) into fact_fx_rate')
  fx.command('fetch')
    .description('fetch the last few days up to today (UTC), as the daily schedule does')
    .option('--days <n>', 'how many days up to today', '4')
    .option('--provider-url <url>', 'a Frankfurter-compatible provider', FRANKFURTER_URL)
    .option('--json', 'print the result as JSON')
    .action(async (options: { days: string; providerUrl: string; json?: boolean }, command) => {
      const days = Number(options.days)
      if (!Number.isInteger(days) || days < 1 || days > 92)
        throw new ConfigError(`--days must be 1 to 92; got '${options.days}'`)
      const { planFxWindow } = await import('../../../fx/run-fx.ts')
      await ctx.withDeps(command, async (deps) => {
        report(await runWith(ctx, deps, planFxWindow(Date.now(), days), options.providerUrl), options.json)
      })
    })
  fx.command('backfill')
    .description('fetch, land, transform and load the rates of a range of days (one command)')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <day>', 'last day, YYYY-MM-DD')
    .option('--provider-url <url>', 'a Frankfurter-compatible provider', FRANKFURTER_URL)
    .option('--json', 'print the result as JSON')
    .action(async (options: { from: string; to: string; providerUrl: string; json?: boolean }, command) => {
      await ctx.withDeps(command, async (deps) => {
        report(
          await runWith(ctx, deps, { from: options.from, to: options.to }, options.providerUrl),
          options.json,
        )
      })
    })
}
