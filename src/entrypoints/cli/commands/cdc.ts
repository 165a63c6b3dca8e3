import type { RegisterCommand } from '../command-context.ts'

const mb = (bytes: number | null) => (bytes === null ? 'unknown' : `${(bytes / 1024 ** 2).toFixed(1)} MB`)

/** `totesys-etl cdc drop-slot`: removes logical mode's replication slot, after a confirmation. */
export const registerCdc: RegisterCommand = (program, ctx) => {
  const cdc = program.command('cdc').description('logical mode (EXTRACT_MODE=logical): its replication slot')
  cdc
    .command('drop-slot')
    .description(
      'drop the replication slot (CDC_SLOT) and free the WAL it retains; the next logical extract resynchronises from a fresh snapshot',
    )
    .option('--yes', 'do not ask for confirmation')
    .action(async (options: { yes?: boolean }, command) => {
      const { ConfigError } = await import('../../../core/errors.ts')
      const { runCdcDropSlot, runDescribeSlot } = await import(
        '../../../extract/logical/run-cdc-drop-slot.ts'
      )
      await ctx.withDeps(command, async (deps) => {
        const slot = deps.config.cdc.slot
        const source = await deps.source()
        const state = await runDescribeSlot(source, slot)
        if (state === undefined) {
          console.log(`no replication slot ${slot} on the source: nothing to drop`)
          return
        }
        if (!options.yes) {
          if (process.stdin.isTTY !== true)
            throw new ConfigError(
              `cdc drop-slot asks before dropping slot ${slot}: pass --yes to drop it unasked`,
            )
          const { createInterface } = await import('node:readline/promises')
          const rl = createInterface({ input: process.stdin, output: process.stderr })
          const answer = await rl.question(
            `Drop replication slot ${slot} (retains ${mb(state.retainedBytes)} of WAL)? The next logical extract re-reads a snapshot. Type the slot name to confirm: `,
          )
          rl.close()
          if (answer.trim() !== slot) {
            console.log('not dropped')
            return
          }
        }
        const result = await runCdcDropSlot(source, slot)
        console.log(
          result.dropped
            ? `dropped replication slot ${slot} (it retained ${mb(result.retainedBytes)} of WAL)`
            : `no replication slot ${slot} on the source: nothing to drop`,
        )
      })
    })
}
