import cliProgress from 'cli-progress'
import { describeLocation } from '../../../config.ts'
import { runVerify } from '../../../verify/run-verify.ts'
import { toVerifyText } from '../../../verify/to-verify-text.ts'
import type { VerifyProgress } from '../../../verify/verify-progress.ts'
import { VERIFY_FORMAT } from '../../../verify/verify-report.ts'
import type { RegisterCommand } from './index.ts'

/** A bar per long phase on a terminal (rows or files done, rate, ETA); nothing when not a TTY. */
export function verifyProgressBar(stream: NodeJS.WriteStream = process.stderr): VerifyProgress | undefined {
  if (!stream.isTTY) return undefined
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'verify {phase} [{bar}] {value}/{total} {unit} | {rate}/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  )
  let running = false
  let done = 0
  let started = 0
  let unit = ''
  const rate = () => Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)).toLocaleString('en-US')
  return {
    phase(name, total, u) {
      if (running) bar.stop()
      done = 0
      started = Date.now()
      unit = u
      bar.start(Math.max(total, 1), 0, { phase: name.padEnd(13), unit, rate: '0' })
      running = true
    },
    advance(n) {
      done += n
      bar.update(done, { unit, rate: rate() })
    },
    stop() {
      if (running) bar.stop()
      running = false
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
      await ctx.withDeps(command, async (deps) => {
        const progress = options.json ? undefined : verifyProgressBar()
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
