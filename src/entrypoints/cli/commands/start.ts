import { parseDuration } from '../../../core/duration.ts'
import type { RegisterCommand } from './index.ts'

/** `totesys-etl start` (what `npm start` runs): the whole pipeline on a machine, with a simulated source. */
export const registerStart: RegisterCommand = (program, ctx) => {
  program
    .command('start')
    .description(
      'run the pipeline continuously: seed the embedded source on first use, simulate the application, watch',
    )
    .option('--every <duration>', 'how often to extract', '5s')
    .option('--simulate-rate <n>', 'simulated application changes per second (0 = off)', '2')
    .option('--port <port>', 'status page port on 127.0.0.1 (0 = none)', '8080')
    .action(async (options: { every: string; simulateRate: string; port: string }, command) => {
      const { runService } = await import('../../../service/run-service.ts')
      const { servePipeline } = await import('./serve-pipeline.ts')
      const everyMs = parseDuration(options.every, '--every')
      await ctx.withDeps(command, async (deps) => {
        const serving = servePipeline(deps, Number(options.port))
        const where = (loc: typeof deps.config.totesysDb) =>
          loc.kind === 'embedded' ? `embedded ${loc.path}` : 'server'
        console.error(
          [
            'totesys-etl is running the whole pipeline (Ctrl-C stops it; the next start resumes):',
            `  source     ${where(deps.config.totesysDb)}, simulated application at ${options.simulateRate} changes/s`,
            `  lake       ${deps.ingestion.description} → ${deps.processed.description}`,
            `  warehouse  ${where(deps.config.warehouseDb)}`,
            ...(serving.statusUrl ? [`  status     ${serving.statusUrl}`] : []),
          ].join('\n'),
        )
        try {
          await runService(serving.pipeline, {
            everyMs,
            simulateRate: Number(options.simulateRate),
            signal: serving.signal,
            onCycle: serving.onCycle,
          })
        } finally {
          serving.close()
        }
      })
    })
}
