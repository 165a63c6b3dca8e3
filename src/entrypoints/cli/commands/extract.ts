import { EtlError } from '../../../core/errors.ts'
import type { RegisterCommand } from '../command-context.ts'

/**
 * The failure of tables an extract could not read (their cursors stay where they were): a non-zero
 * exit that says which and why, after the result is printed.
 */
export function failedTablesError(
  failed: readonly { table: string; reason: string }[],
): EtlError | undefined {
  if (failed.length === 0) return undefined
  const list = failed.map((f) => `${f.table} (${f.reason})`).join('; ')
  return new EtlError(
    `${failed.length} table${failed.length === 1 ? ' was' : 's were'} not extracted, their cursors stay where they were: ${list}`,
    { stage: 'extract' },
  )
}

/** `totesys-etl extract`: an incremental extract into the ingestion store (more than one batch for a large backlog). */
export const registerExtract: RegisterCommand = (program, ctx) => {
  program
    .command('extract')
    .description('copy every row version changed since the last committed batch into the ingestion store')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command) => {
      const { runExtractStage } = await import('../../../service/stages/run-extract-stage.ts')
      const { toPipelineDeps } = await import('../../../service/stages/stage-deps.ts')
      await ctx.withDeps(command, async (deps) => {
        const result = await runExtractStage(toPipelineDeps(deps))
        if (options.json) console.log(JSON.stringify(result))
        else if (result.batchId) {
          const total = Object.values(result.rows).reduce((a, b) => a + (b ?? 0), 0)
          const what =
            result.batches.length > 1 ? `batches ${result.batches.join(', ')}` : `batch ${result.batchId}`
          console.log(`committed ${what}: ${total} rows in ${result.ms} ms`)
        } else console.log(`no batch committed (${result.outcome})`)
        const failed = failedTablesError(result.failedTables)
        if (failed) throw failed
      })
    })
}
