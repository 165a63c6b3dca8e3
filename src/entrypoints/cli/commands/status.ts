import type { RegisterCommand } from '../command-context.ts'

/** `totesys-etl status`: last batch per stage, pending work, freshness per table, quarantine, warehouse rows. */
export const registerStatus: RegisterCommand = (program, ctx) => {
  program
    .command('status')
    .description(
      'show the last batch per stage, pending work, freshness per table, quarantine and warehouse rows (exit 2 when a system could not be read)',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command) => {
      // Loaded when the command runs, so `--help` stays fast.
      const { runStatus } = await import('../../../service/run-status.ts')
      const { toStatusText } = await import('../../../service/to-status-text.ts')
      const { UNKNOWN_EXIT } = await import('../../../service/status-problem.ts')
      const { describeLocation } = await import('../../../config.ts')
      await ctx.withDeps(command, async (deps) => {
        const report = await runStatus({
          ingestion: deps.ingestion,
          processed: deps.processed,
          warehouse: deps.warehouse,
          warehouseDescription: describeLocation(deps.config.warehouseDb),
          purchaseFactTable: deps.config.purchaseFactTable,
        })
        console.log(options.json ? JSON.stringify(report, null, 1) : toStatusText(report))
        // The report names each system it could not read, and why: that is the message of this exit.
        if (report.problems.length > 0) process.exitCode = UNKNOWN_EXIT
      })
    })
}
