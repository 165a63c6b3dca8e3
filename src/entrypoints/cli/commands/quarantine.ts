/** `totesys-etl quarantine list|replay`: the rows the transform held back, and re-submitting them. */

import type { RegisterCommand } from '../command-context.ts'

export const registerQuarantine: RegisterCommand = (program, ctx) => {
  const quarantine = program.command('quarantine').description('rows held back by the transform')
  quarantine
    .command('list')
    .description('list quarantine entries')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command) => {
      const { runListQuarantine } = await import('../../../transform/quarantine-store.ts')
      await ctx.withDeps(command, async (deps) => {
        const entries = await runListQuarantine(deps.ingestion)
        if (options.json) {
          console.log(
            JSON.stringify(
              entries.map(({ sample: _sample, ...e }) => e),
              null,
              1,
            ),
          )
          return
        }
        if (entries.length === 0) console.log('quarantine: empty')
        for (const e of entries) {
          const status = e.replayedIn ? `replayed in ${e.replayedIn}` : 'held'
          console.log(`${e.id}  ${e.table}  ${e.level}  ${e.rows} rows  ${status}  ${e.reason}`)
        }
      })
    })
  quarantine
    .command('replay [id]')
    .description('re-submit held rows (one entry, or all held) as a new ingestion batch; run transform next')
    .action(async (id: string | undefined, _options, command) => {
      const { runReplay } = await import('../../../transform/run-replay.ts')
      await ctx.withDeps(command, async (deps) => {
        const result = await runReplay(
          { ingestion: deps.ingestion, log: deps.log },
          id ? { entryId: id } : {},
        )
        if (result.replayed.length === 0) console.log('quarantine: nothing held')
        for (const r of result.replayed)
          console.log(`${r.entryId}: ${r.rows} rows re-submitted as batch ${r.batchId}`)
      })
    })
}
