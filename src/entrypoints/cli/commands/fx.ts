import { FRANKFURTER_URL } from '../../../streams/fx/fx-provider.ts'
import type { FxInput, FxResult } from '../../../streams/fx/run-fx.ts'
import type { Deps } from '../../make-deps.ts'
import type { CommandContext, RegisterCommand } from '../command-context.ts'

/** Runs FX with a bar on a terminal: one request per day and base currency. */
async function runWith(
  ctx: CommandContext,
  deps: Deps,
  range: FxInput | undefined,
  options: { days?: number; providerUrl?: string },
): Promise<FxResult> {
  const { runFxStage } = await import('../../../service/stages/run-fx-stage.ts')
  return runFxStage(deps, range, { ...options, progress: ctx.progress('fx', 'requests') })
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

const PROVIDER_HELP = `a Frankfurter-compatible provider (default FX_PROVIDER_URL, else ${FRANKFURTER_URL})`

/** `totesys-etl fx fetch | backfill`: daily exchange rates into fact_fx_rate. */
export const registerFx: RegisterCommand = (program, ctx) => {
  const fx = program
    .command('fx')
    .description('daily exchange rates (ECB, via Frankfurter) into fact_fx_rate')
  fx.command('fetch')
    .description('fetch the last few days up to today (UTC), as the daily schedule does')
    .option('--days <n>', 'how many days up to today (default FX_DAYS, else 4)')
    .option('--provider-url <url>', PROVIDER_HELP)
    .option('--json', 'print the result as JSON')
    .action(async (options: { days?: string; providerUrl?: string; json?: boolean }, command) => {
      const { parseFxDays } = await import('../../../config.ts')
      const days = options.days === undefined ? undefined : parseFxDays(options.days, '--days')
      await ctx.withDeps(command, async (deps) => {
        report(await runWith(ctx, deps, undefined, { ...options, days }), options.json)
      })
    })
  fx.command('backfill')
    .description('fetch, land, transform and load the rates of a range of days (one command)')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <day>', 'last day, YYYY-MM-DD')
    .option('--provider-url <url>', PROVIDER_HELP)
    .option('--json', 'print the result as JSON')
    .action(async (options: { from: string; to: string; providerUrl?: string; json?: boolean }, command) => {
      await ctx.withDeps(command, async (deps) => {
        report(await runWith(ctx, deps, { from: options.from, to: options.to }, options), options.json)
      })
    })
}
