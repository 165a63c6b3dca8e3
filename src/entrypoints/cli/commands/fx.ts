import { ConfigError } from '../../../core/errors.ts'
import { FRANKFURTER_URL, frankfurterProvider } from '../../../fx/fx-provider.ts'
import { type FxInput, type FxResult, planFxWindow, runFx } from '../../../fx/run-fx.ts'
import type { Deps } from '../../make-deps.ts'
import type { RegisterCommand } from './index.ts'

async function runWith(deps: Deps, input: FxInput, providerUrl: string): Promise<FxResult> {
  return runFx(
    {
      warehouse: await deps.warehouse(),
      ingestion: deps.ingestion,
      processed: deps.processed,
      log: deps.log,
      provider: frankfurterProvider({ baseUrl: providerUrl }),
      tmpDir: deps.config.dataDir,
    },
    input,
  )
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
      await ctx.withDeps(command, async (deps) => {
        report(await runWith(deps, planFxWindow(Date.now(), days), options.providerUrl), options.json)
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
        report(await runWith(deps, { from: options.from, to: options.to }, options.providerUrl), options.json)
      })
    })
}
