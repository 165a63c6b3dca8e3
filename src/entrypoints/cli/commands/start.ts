import type { Command } from 'commander'
import { ConfigError } from '../../../core/errors.ts'
import type { CommandContext, RegisterCommand } from '../command-context.ts'

/** `totesys-etl start` (what `npm start` runs): the whole pipeline on a machine, simulating only the embedded demo source. */
export const registerStart: RegisterCommand = (program, ctx) => {
  program
    .command('start')
    .description(
      'run the pipeline continuously; with the embedded demo source, seed it on first use and simulate the application',
    )
    .option('--every <duration>', 'how often to extract (at least 100ms)', '5s')
    .option('--load-every <duration>', 'safety-net interval for load even without new batches', '1m')
    .option(
      '--simulate',
      'write made-up application changes into the source even when it is not the embedded demo source',
    )
    .option('--no-simulate', 'write nothing into the source, even the embedded demo source')
    .option('--simulate-rate <n>', 'simulated application changes per second', '2')
    .option('--port <port>', 'status page port on 127.0.0.1 (0 = none)', '8080')
    .action((options: StartOptions, command: Command) => runStart(ctx, options, command))
}

interface StartOptions {
  every: string
  loadEvery: string
  simulate?: boolean
  simulateRate: string
  port: string
}

/** Plans the start (what is read and written where), prints the banner, serves until a signal. */
async function runStart(ctx: CommandContext, options: StartOptions, command: Command): Promise<void> {
  // Loaded when the command runs, so `--help` stays fast.
  const { parseInterval } = await import('../../../service/run-watch.ts')
  const { planStart } = await import('../../../service/start-plan.ts')
  const { runService } = await import('../../../service/run-service.ts')
  const { servePipeline } = await import('./serve-pipeline.ts')
  const { describeLocation } = await import('../../../config.ts')
  const everyMs = parseInterval(options.every, '--every')
  const loadEveryMs = parseInterval(options.loadEvery, '--load-every')
  const simulateRate = Number(options.simulateRate)
  if (!(simulateRate > 0) || !Number.isFinite(simulateRate))
    throw new ConfigError(`--simulate-rate must be a number above 0; got '${options.simulateRate}'`)
  // Commander sets `simulate` to true by default because of --no-simulate: only a flag on the line counts.
  const flag = command.getOptionValueSource('simulate') === 'cli' ? options.simulate : undefined
  await ctx.withDeps(command, async (deps) => {
    const serving = servePipeline(deps, Number(options.port))
    const { totesysDb, warehouseDb } = deps.config
    const plan = planStart({
      source: { kind: totesysDb.kind, where: describeLocation(totesysDb) },
      warehouse: { kind: warehouseDb.kind, where: describeLocation(warehouseDb) },
      ingestion: deps.ingestion.description,
      processed: deps.processed.description,
      simulateFlag: flag,
      simulateRate,
      everyMs,
      loadEveryMs,
      statusUrl: serving.statusUrl,
    })
    console.error(plan.banner)
    try {
      await runService(serving.pipeline, {
        everyMs,
        loadEveryMs,
        simulateRate: plan.simulateRate,
        seedIfEmpty: plan.seedIfEmpty,
        signal: serving.signal,
        onCycle: serving.onCycle,
      })
    } finally {
      await serving.close()
    }
  })
}
