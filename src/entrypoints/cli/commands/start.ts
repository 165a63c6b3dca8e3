import { serve } from '@hono/node-server'
import { parseDuration } from '../../../core/duration.ts'
import { runReadLedger } from '../../../load/load-ledger.ts'
import { runService } from '../../../service/run-service.ts'
import { runStatus } from '../../../service/run-status.ts'
import { createStatusApp } from '../../../service/status-app.ts'
import { runRecordStatus, StatusRecorder } from '../../../service/status-recorder.ts'
import type { RegisterCommand } from './index.ts'
import { toPipelineDeps } from './run.ts'

/** `totesys-etl start` (what `npm start` runs): the whole pipeline on a machine, with a simulated source. */
export const registerStart: RegisterCommand = (program, ctx) => {
  program
    .command('start')
    .description(
      'run the pipeline continuously: seed the embedded source on first use, simulate the application, watch',
    )
    .option('--every <duration>', 'how often to extract', '5s')
    .option('--simulate-rate <n>', 'simulated application changes per second (0 = off)', '2')
    .option('--port <port>', 'status page port on localhost (0 = none)', '8080')
    .action(async (options: { every: string; simulateRate: string; port: string }, command) => {
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
        const recorder = new StatusRecorder()
        const pipeline = { ...toPipelineDeps(deps), log: recorder.tap(deps.log) }
        const statusDeps = async () => ({
          ingestion: deps.ingestion,
          processed: deps.processed,
          warehouse: await deps.warehouse(),
          purchaseFactTable: deps.config.purchaseFactTable,
        })
        const port = Number(options.port)
        const server =
          port > 0
            ? serve({
                fetch: createStatusApp({
                  status: async () => runStatus(await statusDeps()),
                  history: () => recorder.history(),
                }).fetch,
                port,
                hostname: '127.0.0.1',
              })
            : undefined
        console.error(
          [
            'totesys-etl is running the whole pipeline (Ctrl-C stops it; the next start resumes):',
            `  source     ${deps.config.totesysDb.kind === 'embedded' ? `embedded ${deps.config.totesysDb.path}` : 'server'}`,
            `  lake       ${deps.ingestion.description} → ${deps.processed.description}`,
            `  warehouse  ${deps.config.warehouseDb.kind === 'embedded' ? `embedded ${deps.config.warehouseDb.path}` : 'server'}`,
            ...(server ? [`  status     http://127.0.0.1:${port}/`] : []),
          ].join('\n'),
        )
        try {
          await runService(pipeline, {
            everyMs,
            simulateRate,
            signal: controller.signal,
            onCycle: (cycle) => {
              if (cycle.error) console.error(`cycle failed: ${cycle.error} (retrying)`)
              else if (cycle.extracted || cycle.loaded)
                console.error(
                  `batch ${cycle.extracted ?? '-'}: transformed ${cycle.transformed}, loaded ${cycle.loaded} in ${cycle.ms} ms`,
                )
              void runRecordStatus(
                recorder,
                async () => runStatus(await statusDeps()),
                async () => runReadLedger(await deps.warehouse()),
              ).catch(() => {})
            },
          })
        } finally {
          server?.close()
        }
      })
    })
}
