import { parseDuration } from '../../../core/duration.ts'
import { runService } from '../../../service/run-service.ts'
import type { RegisterCommand } from './index.ts'
import { toPipelineDeps } from './run.ts'

/** `totesys-etl start` (what `npm start` runs): the whole pipeline on a machine, with a simulated source. */
export const registerStart: RegisterCommand = (program, ctx) => {
  program
    .command('start')
    .description('run the pipeline continuously: seed the embedded source on first use, simulate the application, watch')
    .option('--every <duration>', 'how often to extract', '5s')
    .option('--simulate-rate <n>', 'simulated application changes per second (0 = off)', '2')
    .action(async (options: { every: string; simulateRate: string }, command) => {
      const everyMs = parseDuration(options.every, '--every')
      const simulateRate = Number(options.simulateRate)
      await ctx.withDeps(command, async (deps) => {
        const controller = new AbortController()
        const stop = () => {
          if (!controller.signal.aborted) console.error('\nstopping after the stage in hand…')
          controller.abort()
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        console.error(
          [
            'totesys-etl is running the whole pipeline (Ctrl-C stops it; the next start resumes):',
            `  source     ${deps.config.totesysDb.kind === 'embedded' ? 'embedded ' : ''}${deps.config.totesysDb.kind === 'embedded' ? deps.config.totesysDb.path : 'server'}`,
            `  lake       ${deps.ingestion.description} → ${deps.processed.description}`,
            `  warehouse  ${deps.config.warehouseDb.kind === 'embedded' ? `embedded ${deps.config.warehouseDb.path}` : 'server'}`,
          ].join('\n'),
        )
        await runService(toPipelineDeps(deps), {
          everyMs,
          simulateRate,
          signal: controller.signal,
          onCycle: (cycle) => {
            if (cycle.error) console.error(`cycle failed: ${cycle.error} (retrying)`)
            else if (cycle.extracted || cycle.loaded)
              console.error(
                `batch ${cycle.extracted ?? '-'}: transformed ${cycle.transformed}, loaded ${cycle.loaded} in ${cycle.ms} ms`,
              )
          },
        })
      })
    })
}
