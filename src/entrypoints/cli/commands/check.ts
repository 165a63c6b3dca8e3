import pc from 'picocolors'
import type { CheckReport } from '../../../check/plan-check.ts'
import { parseDuration } from '../../../core/duration.ts'
import { EtlError } from '../../../core/errors.ts'
import type { RegisterCommand } from '../command-context.ts'

/** The report as one line per system (and an indented line per warning). */
export function toCheckText(report: CheckReport, color: boolean): string {
  const c = pc.createColors(color)
  const width = Math.max(...report.checks.map((r) => r.location.length))
  return report.checks
    .flatMap((r) => [
      `${r.ok ? c.green('✔') : c.red('✖')} ${c.bold(r.system.padEnd(9))} ${c.dim(r.location.padEnd(width))}  ${
        r.ok ? r.verdict : c.red(r.verdict)
      }  ${c.dim(`${(r.ms / 1000).toFixed(2)} s`)}`,
      ...r.warnings.map((w) => `  ${c.yellow(`⚠ ${w}`)}`),
    ])
    .join('\n')
}

/** `totesys-etl check`: can every configured system be reached, read and written? */
export const registerCheck: RegisterCommand = (program, ctx) => {
  program
    .command('check')
    .description(
      'check the source, the warehouse and both stores: reachable, version, rights, schema, writable, clock (exit 1 on any failure)',
    )
    .option('--timeout <duration>', 'the most each probe may take', '10s')
    .option('--json', 'print the report as JSON')
    .action(async (options: { timeout: string; json?: boolean }, command) => {
      const timeoutMs = parseDuration(options.timeout, '--timeout')
      const { runCheck } = await import('../../../check/run-check.ts')
      const { openConfiguredStore } = await import('../../make-deps.ts')
      await ctx.withDeps(command, async (deps) => {
        const { config } = deps
        // Stores of its own: a failed probe is a verdict here, not the command's failure.
        const report = await runCheck(
          {
            config,
            source: deps.source,
            warehouse: deps.warehouse,
            ingestion: openConfiguredStore(config, 'ingestion'),
            processed: openConfiguredStore(config, 'processed'),
          },
          { timeoutMs },
        )
        console.log(options.json ? JSON.stringify(report, null, 1) : toCheckText(report, ctx.colorStdout()))
        const failed = report.checks.filter((r) => !r.ok)
        if (failed.length > 0) {
          throw new EtlError(`check failed for ${failed.map((r) => r.name).join(', ')}`, { stage: 'check' })
        }
      })
    })
}
