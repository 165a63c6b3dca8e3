import type { RegisterCommand } from '../command-context.ts'

/** `totesys-etl sweep`: deletes data files left by crashed or losing attempts at committed batches. */
export const registerSweep: RegisterCommand = (program, ctx) => {
  program
    .command('sweep')
    .description(
      'delete orphan data files (attempts at batches that another attempt committed) from both stores',
    )
    .option('--dry-run', 'list the orphans without deleting them')
    .option('--json', 'print the result as JSON')
    .action(async (options: { dryRun?: boolean; json?: boolean }, command) => {
      const { silentLog } = await import('../../../log.ts')
      const { runSweep } = await import('../../../maintenance/run-sweep.ts')
      await ctx.withDeps(command, async (deps) => {
        // With --json, stdout carries only the result (which holds everything the log lines would).
        const log = options.json ? silentLog : deps.log
        const result = await runSweep({ ...deps, log }, { dryRun: options.dryRun ?? false })
        if (options.json) {
          console.log(JSON.stringify(result, null, 1))
          return
        }
        for (const s of result.stores) {
          const verb = result.dryRun ? 'would delete' : 'deleted'
          console.log(
            `${s.store}: ${verb} ${s.orphans.length} orphan file(s); ${s.uncommitted} file(s) of uncommitted batches kept`,
          )
          for (const key of s.orphans) console.log(`  ${key}`)
        }
      })
    })
}
