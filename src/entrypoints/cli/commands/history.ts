import { ConfigError } from '../../../core/errors.ts'
import type { RegisterCommand } from '../command-context.ts'

/** `totesys-etl history`: batches per stage (when, rows, duration, outcome) and failed runs, newest first. */
export const registerHistory: RegisterCommand = (program, ctx) => {
  program
    .command('history')
    .description(
      'list batches per stage (when, rows, duration, outcome) and failed runs, newest first (exit 2 when a system could not be read)',
    )
    .option(
      '--since <when>',
      'how far back: a duration (90m, 1h, 7d) or a UTC day or time (2026-11-30)',
      '24h',
    )
    .option('--stage <stage>', 'only this stage: extract, transform or load')
    .option('--limit <n>', 'the most lines, newest first', '100')
    .option('--json', 'print the history as JSON')
    .action(async (options: { since: string; stage?: string; limit: string; json?: boolean }, command) => {
      // Loaded when the command runs, so `--help` stays fast.
      const { parseSince } = await import('../../../service/parse-since.ts')
      const { HISTORY_STAGES, runReadHistory } = await import('../../../service/read-history.ts')
      const { toHistoryText } = await import('../../../service/to-history-text.ts')
      const { UNKNOWN_EXIT } = await import('../../../service/status-problem.ts')
      const { describeLocation } = await import('../../../config.ts')
      const sinceMs = parseSince(options.since, Date.now())
      const stage = HISTORY_STAGES.find((s) => s === options.stage)
      if (options.stage !== undefined && stage === undefined)
        throw new ConfigError(`--stage must be one of ${HISTORY_STAGES.join(', ')}; got '${options.stage}'`)
      const limit = Number(options.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new ConfigError(`--limit must be a whole number from 1 to 10000; got '${options.limit}'`)
      await ctx.withDeps(command, async (deps) => {
        const report = await runReadHistory(
          {
            ingestion: deps.ingestion,
            processed: deps.processed,
            warehouse: deps.warehouse,
            warehouseDescription: describeLocation(deps.config.warehouseDb),
          },
          { sinceMs, limit, ...(stage ? { stage } : {}) },
        )
        console.log(options.json ? JSON.stringify(report, null, 1) : toHistoryText(report))
        // The report names each system it could not read, and why: that is the message of this exit.
        if (report.problems.length > 0) process.exitCode = UNKNOWN_EXIT
      })
    })
}
