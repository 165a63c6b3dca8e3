import { runExtract } from '../../../extract/run-extract.ts'
import type { RegisterCommand } from './index.ts'

/** `totesys-etl extract`: an incremental extract into the ingestion store (more than one batch for a large backlog). */
export const registerExtract: RegisterCommand = (program, ctx) => {
  program
    .command('extract')
    .description('copy every row version changed since the last committed batch into the ingestion store')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command) => {
      await ctx.withDeps(command, async (deps) => {
        const result = await runExtract(
          { source: await deps.source(), ingestion: deps.ingestion, log: deps.log },
          { lagMs: deps.config.extractLagMs, maxBatchRows: deps.config.extractBatchRows },
        )
        if (options.json) console.log(JSON.stringify(result))
        else if (result.batchId) {
          const total = Object.values(result.rows).reduce((a, b) => a + (b ?? 0), 0)
          const what =
            result.batches.length > 1 ? `batches ${result.batches.join(', ')}` : `batch ${result.batchId}`
          console.log(`committed ${what}: ${total} rows in ${result.ms} ms`)
        } else console.log(`no batch committed (${result.outcome})`)
        if (result.failedTables.length > 0) process.exitCode = 1
      })
    })
}
