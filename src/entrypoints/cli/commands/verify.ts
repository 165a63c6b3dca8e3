import type { RegisterCommand } from './index.ts'

/** `totesys-etl verify`: exit 0 when source, lake and warehouse agree, 1 with each difference otherwise. */
export const registerVerify: RegisterCommand = (program, ctx) => {
  program
    .command('verify')
    .description(
      'reconcile source, lake and warehouse as of the loaded watermarks (exit 1 on any difference)',
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }, command) => {
      const { runVerify } = await import('../../../verify/run-verify.ts')
      const { toVerifyText } = await import('../../../verify/to-verify-text.ts')
      await ctx.withDeps(command, async (deps) => {
        const report = await runVerify({
          source: await deps.source(),
          warehouse: await deps.warehouse(),
          ingestion: deps.ingestion,
          processed: deps.processed,
          purchaseFactTable: deps.config.purchaseFactTable,
          lagMs: deps.config.extractLagMs,
        })
        console.log(options.json ? JSON.stringify(report, null, 1) : toVerifyText(report))
        if (!report.clean) process.exitCode = 1
      })
    })
}
