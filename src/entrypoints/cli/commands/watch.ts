import type { RegisterCommand } from '../command-context.ts'

/** `totesys-etl watch`: extract on a schedule, transform and load as soon as there is work, until stopped. */
export const registerWatch: RegisterCommand = (program, ctx) => {
  program
    .command('watch')
    .description(
      'extract on a schedule; transform and load as soon as a batch commits (Ctrl-C stops cleanly, with a summary)',
    )
    .option(
      '--every <duration>',
      'how often to extract (at least 100ms); default 30s, 200ms with EXTRACT_MODE=logical',
    )
    .option('--load-every <duration>', 'safety-net interval for load even without new batches', '5m')
    .option('--port <port>', 'status page port on 127.0.0.1 (0 = none)', '0')
    .action(async (options: { every?: string; loadEvery: string; port: string }, command) => {
      // Loaded when the command runs, so `--help` stays fast.
      const { parseInterval, runWatch } = await import('../../../service/run-watch.ts')
      const { toWatchStages } = await import('../../../service/pipeline.ts')
      const { servePipeline } = await import('./serve-pipeline.ts')
      const loadEveryMs = parseInterval(options.loadEvery, '--load-every')
      await ctx.withDeps(command, async (deps) => {
        // Logical mode pulls continuously: an idle pull is one peek at the slot, no table is scanned.
        const every = options.every ?? (deps.config.extractMode === 'logical' ? '200ms' : '30s')
        const everyMs = parseInterval(every, '--every')
        const serving = servePipeline(deps, Number(options.port))
        if (serving.statusUrl) console.error(`status page: ${serving.statusUrl}`)
        try {
          await runWatch(toWatchStages(serving.pipeline), {
            everyMs,
            loadEveryMs,
            signal: serving.signal,
            log: serving.pipeline.log,
            onCycle: serving.onCycle,
          })
        } finally {
          await serving.close()
        }
      })
    })
}
