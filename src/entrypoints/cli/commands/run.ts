import type { RegisterCommand } from '../command-context.ts'
import { failedTablesError } from './extract.ts'

/** `totesys-etl run`: extract, transform, load once, doing only pending work. */
export const registerRun: RegisterCommand = (program, ctx) => {
  program
    .command('run')
    .description('extract, transform and load once, doing only pending work')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command) => {
      const { runPipelineOnce } = await import('../../../service/pipeline.ts')
      const { toPipelineDeps } = await import('../../../service/stages/stage-deps.ts')
      await ctx.withDeps(command, async (deps) => {
        // A first run or a rebuild transforms and loads many batches: a bar for each on a terminal.
        const result = await runPipelineOnce(toPipelineDeps(deps), {
          progress: (stage) => ctx.progress(stage, 'batches'),
        })
        if (options.json) console.log(JSON.stringify(result))
        else {
          const extracted = Object.values(result.extract.rows).reduce((a, b) => a + (b ?? 0), 0)
          console.log(
            `extract: ${result.extract.batchId ? `batch ${result.extract.batchId}, ${extracted} rows` : result.extract.outcome}`,
          )
          console.log(`transform: ${result.transform.batches.filter((b) => b.committed).length} batch(es)`)
          console.log(`load: ${result.load.loaded.length} batch(es)`)
        }
        // With --json too: a table that failed is a failed run, whatever the output format.
        const failed = failedTablesError(result.extract.failedTables)
        if (failed) throw failed
      })
    })
}
