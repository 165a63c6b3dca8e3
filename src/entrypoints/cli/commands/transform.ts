/** `totesys-etl transform`: turns every pending ingestion batch into a processed batch. */

import type { RegisterCommand } from '../command-context.ts'

export const registerTransform: RegisterCommand = (program, ctx) => {
  program
    .command('transform')
    .description('transform pending ingestion batches into parquet for the warehouse (quarantining bad rows)')
    .option('--until <batch-id>', 'stop after this ingestion batch')
    .action(async (options: { until?: string }, command) => {
      const { runTransformStage } = await import('../../../service/stages/run-transform-stage.ts')
      const { toPipelineDeps } = await import('../../../service/stages/stage-deps.ts')
      await ctx.withDeps(command, async (deps) => {
        const result = await runTransformStage(toPipelineDeps(deps), {
          ...(options.until ? { untilBatchId: options.until } : {}),
          progress: ctx.progress('transform', 'batches'),
        })
        if (result.batches.length === 0) console.log('transform: nothing to do')
        for (const b of result.batches) {
          const rows = Object.entries(b.rows)
            .filter(([, n]) => n > 0)
            .map(([t, n]) => `${t}=${n}`)
            .join(' ')
          const held =
            b.quarantinedRows > 0
              ? `, ${b.quarantinedRows} rows quarantined (${b.quarantined.join(', ')})`
              : ''
          const lost = b.committed ? '' : ' (committed by another run)'
          console.log(`batch ${b.batchId}${lost}: ${rows || 'no rows'}${held}`)
        }
      })
    })
}
