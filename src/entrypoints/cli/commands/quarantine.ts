/** `totesys-etl quarantine list|replay|discard`: the rows the transform held back; re-submitting or giving them up. */

import type { Command } from 'commander'
import type { CommandContext, RegisterCommand } from '../command-context.ts'

export const registerQuarantine: RegisterCommand = (program, ctx) => {
  const quarantine = program.command('quarantine').description('rows held back by the transform')
  registerList(quarantine, ctx)
  registerReplay(quarantine, ctx)
  registerDiscard(quarantine, ctx)
}

function registerList(quarantine: Command, ctx: CommandContext): void {
  quarantine
    .command('list')
    .description('list quarantine entries')
    .option('--json', 'print JSON')
    .option('--all', 'include discarded entries')
    .action(async (options: { json?: boolean; all?: boolean }, command) => {
      const { runListQuarantine } = await import('../../../transform/quarantine-store.ts')
      await ctx.withDeps(command, async (deps) => {
        const entries = await runListQuarantine(deps.ingestion, { includeDiscarded: options.all === true })
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
          const status = e.discarded
            ? `discarded by ${e.discarded.by} at ${e.discarded.discardedAt}: ${e.discarded.reason}`
            : e.replayedIn
              ? `replayed in ${e.replayedIn}`
              : 'held'
          console.log(`${e.id}  ${e.table}  ${e.level}  ${e.rows} rows  ${status}  ${e.reason}`)
        }
      })
    })
}

function registerReplay(quarantine: Command, ctx: CommandContext): void {
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

function registerDiscard(quarantine: Command, ctx: CommandContext): void {
  quarantine
    .command('discard <id>')
    .description(
      'give up on a held entry (e.g. versions the source has superseded); recorded with the reason',
    )
    .requiredOption('--reason <text>', 'why these rows will never load (kept beside the entry)')
    .action(async (id: string, options: { reason: string }, command) => {
      const { runDiscardQuarantine } = await import('../../../transform/run-discard-quarantine.ts')
      const { userInfo } = await import('node:os')
      await ctx.withDeps(command, async (deps) => {
        const e = await runDiscardQuarantine(
          { ingestion: deps.ingestion, log: deps.log },
          { entryId: id, reason: options.reason, by: userInfo().username, nowIso: new Date().toISOString() },
        )
        console.log(`${e.id}: ${e.rows} rows of ${e.table} discarded (${options.reason})`)
      })
    })
}
