import type { Progress } from '../../../log.ts'
import type { VerifyProgress } from '../../../verify/verify-progress.ts'
import type { RegisterCommand } from '../command-context.ts'

/** Verify's phases on the CLI's progress bars: one bar per phase (rows or files done, rate, ETA). */
export function toVerifyProgress(bar: (label: string, unit: string) => Progress): VerifyProgress {
  let current: Progress | undefined
  return {
    phase(name, total, unit) {
      current?.stop()
      current = bar(`verify ${name}`, unit)
      current.start(total)
    },
    advance(n) {
      current?.advance(n)
    },
    stop() {
      current?.stop()
      current = undefined
    },
  }
}

/**
 * `totesys-etl verify`: exit 0 when source, lake and warehouse agree, 1 with each difference, 2 when
 * something could not be checked (a system unreachable, a table the source no longer matches).
 */
export const registerVerify: RegisterCommand = (program, ctx) => {
  program
    .command('verify')
    .description(
      'reconcile source, lake and warehouse as of the loaded watermarks (exit 0 clean, 1 differences, 2 could not check)',
    )
    .option('--json', 'print the report as JSON (format totesys-etl.verify/1, docs/OPERATIONS.md)')
    .action(async (options: { json?: boolean }, command) => {
      // Loaded when the command runs, so `--help` stays fast.
      const { describeLocation } = await import('../../../config.ts')
      const { runVerify } = await import('../../../verify/run-verify.ts')
      const { toVerifyText } = await import('../../../verify/to-verify-text.ts')
      const { VERIFY_FORMAT } = await import('../../../verify/verify-report.ts')
      await ctx.withDeps(command, async (deps) => {
        const progress = options.json ? undefined : toVerifyProgress(ctx.progress)
        const report = await runVerify({
          source: () => deps.source(),
          warehouse: () => deps.warehouse(),
          descriptions: {
            source: describeLocation(deps.config.totesysDb),
            warehouse: describeLocation(deps.config.warehouseDb),
          },
          ingestion: deps.ingestion,
          processed: deps.processed,
          purchaseFactTable: deps.config.purchaseFactTable,
          lagMs: deps.config.extractLagMs,
          ...(progress ? { progress } : {}),
        }).catch((error: unknown) => {
          // Verify itself failed (not a system it reads): nothing was checked, which is exit 2, said once.
          const reason = error instanceof Error ? error.message : String(error)
          if (options.json)
            console.log(
              JSON.stringify(
                { format: VERIFY_FORMAT, verdict: 'could_not_check', exitCode: 2, error: reason },
                null,
                1,
              ),
            )
          else console.error(`totesys-etl verify: could not check: ${reason}`)
          process.exitCode = 2
          return undefined
        })
        if (!report) return
        console.log(options.json ? JSON.stringify(report, null, 1) : toVerifyText(report))
        process.exitCode = report.exitCode
      })
    })
}
