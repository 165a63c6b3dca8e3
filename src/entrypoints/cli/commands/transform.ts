/**
 * `totesys-etl transform`: turns every pending ingestion batch into a processed batch;
 * `transform --batch <id> --redo` rebuilds one processed batch from the lake.
 */

import { parseBatchId } from '../../../core/batch-id.ts'
import { ConfigError } from '../../../core/errors.ts'
import type { RegisterCommand } from '../command-context.ts'

export const registerTransform: RegisterCommand = (program, ctx) => {
  program
    .command('transform')
    .description('transform pending ingestion batches into parquet for the warehouse (quarantining bad rows)')
    .option('--until <batch-id>', 'stop after this ingestion batch')
    .option('--batch <batch-id>', 'with --redo: the processed batch to rebuild')
    .option('--redo', 'rebuild the processed batch --batch from the lake (refused once it is loaded)')
    .action(async (options: { until?: string; batch?: string; redo?: boolean }, command) => {
      if ((options.batch === undefined) !== (options.redo === undefined))
        throw new ConfigError('--batch and --redo go together: transform --batch <id> --redo')
      if (options.batch !== undefined && parseBatchId(options.batch) === undefined)
        throw new ConfigError(`--batch expects a batch id like 0000000042; got '${options.batch}'`)
      const { runTransformStage } = await import('../../../service/stages/run-transform-stage.ts')
      const { toPipelineDeps } = await import('../../../service/stages/stage-deps.ts')
      const { runRedoBatch } = await import('../../../transform/run-redo-batch.ts')
      const { runIsBatchLoaded } = await import('../../../load/load-ledger.ts')
      await ctx.withDeps(command, async (deps) => {
        const stage = {
          ingestion: deps.ingestion,
          processed: deps.processed,
          log: deps.log,
          tmpDir: deps.config.dataDir,
        }
        const isLoaded = async (id: string) =>
          runIsBatchLoaded(await deps.warehouse(), id).catch((error: unknown) => {
            // A warehouse never initialised has no ledger: nothing is loaded.
            if ((error as { code?: unknown }).code === '42P01') return false
            throw error
          })
        const result = options.batch
          ? { batches: [await runRedoBatch(stage, { batchId: options.batch, isLoaded })] }
          : await runTransformStage(toPipelineDeps(deps), {
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
          const taken = b.takenRows > 0 ? `, ${b.takenRows} rows skipped (versions already in the lake)` : ''
          console.log(`batch ${b.batchId}${lost}: ${rows || 'no rows'}${held}${taken}`)
        }
      })
    })
}
