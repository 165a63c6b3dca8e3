import { parseBatchId } from '../../../core/batch-id.ts'
import { ConfigError } from '../../../core/errors.ts'
import type { RegisterCommand } from '../command-context.ts'

/** `totesys-etl load`: applies every processed batch the warehouse lacks, in order, each exactly once. */
export const registerLoad: RegisterCommand = (program, ctx) => {
  program
    .command('load')
    .description('load every processed batch not yet in the warehouse, in batch order, one transaction each')
    .option('--until <batch-id>', 'load no batch after this one (10 digits)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { until?: string; json?: boolean }, command) => {
      if (options.until !== undefined && parseBatchId(options.until) === undefined) {
        throw new ConfigError(`--until must be a 10-digit batch id; got '${options.until}'`)
      }
      const { runLoadStage } = await import('../../../service/stages/run-load-stage.ts')
      const { toPipelineDeps } = await import('../../../service/stages/stage-deps.ts')
      await ctx.withDeps(command, async (deps) => {
        // A first load or a rebuild runs for minutes: a bar when there is more than one batch ahead.
        const result = await runLoadStage(toPipelineDeps(deps), {
          ...(options.until === undefined ? {} : { untilBatchId: options.until }),
          progress: ctx.progress('load', 'batches'),
        })
        if (options.json) {
          console.log(JSON.stringify(result))
          return
        }
        for (const batch of result.loaded) {
          const tables = Object.entries(batch.tables)
            .map(([table, c]) => `${table} +${c?.inserted ?? 0}${c?.updated ? ` ~${c.updated}` : ''}`)
            .join(', ')
          console.log(`loaded batch ${batch.batchId} in ${batch.ms} ms: ${tables || 'no rows'}`)
        }
        if (result.skipped.length > 0)
          console.log(`already loaded by another run: ${result.skipped.join(', ')}`)
        if (result.loaded.length === 0 && result.skipped.length === 0) console.log('nothing to load')
        if (result.waitingFor) console.log(`stopped before missing batch ${result.waitingFor}`)
      })
    })
}
