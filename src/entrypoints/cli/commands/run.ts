import { runPipelineOnce } from '../../../service/pipeline.ts'
import type { Deps } from '../../make-deps.ts'
import type { RegisterCommand } from './index.ts'

/** The pipeline deps of the CLI's deps. */
export function toPipelineDeps(deps: Deps) {
  return {
    source: deps.source,
    warehouse: deps.warehouse,
    ingestion: deps.ingestion,
    processed: deps.processed,
    log: deps.log,
    lagMs: deps.config.extractLagMs,
    batchRows: deps.config.extractBatchRows,
    purchaseFactTable: deps.config.purchaseFactTable,
  }
}

/** `totesys-etl run`: extract, transform, load once, doing only pending work. */
export const registerRun: RegisterCommand = (program, ctx) => {
  program
    .command('run')
    .description('extract, transform and load once, doing only pending work')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command) => {
      await ctx.withDeps(command, async (deps) => {
        const result = await runPipelineOnce(toPipelineDeps(deps))
        if (options.json) {
          console.log(JSON.stringify(result))
          return
        }
        const extracted = Object.values(result.extract.rows).reduce((a, b) => a + (b ?? 0), 0)
        console.log(
          `extract: ${result.extract.batchId ? `batch ${result.extract.batchId}, ${extracted} rows` : result.extract.outcome}`,
        )
        console.log(`transform: ${result.transform.batches.filter((b) => b.committed).length} batch(es)`)
        console.log(`load: ${result.load.loaded.length} batch(es)`)
        if (result.extract.failedTables.length > 0) process.exitCode = 1
      })
    })
}
