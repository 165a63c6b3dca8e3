import { parseDuration } from '../../../core/duration.ts'
import { ConfigError } from '../../../core/errors.ts'
import type { RegisterCommand } from '../command-context.ts'
import { parseIntegerFlag, withSourceDb } from './seed.ts'

const HELP = `
Writes to the source database as the live application would, one transaction per business event:
~45 % new sales orders and ~20 % new purchase orders (each with its transaction and its unpaid payment),
~30 % payments flipped to paid (among the 500 newest), ~5 % edits to address, counterparty, department,
design or staff rows. Every write sets last_updated to the database clock, localtimestamp(3) under
SET LOCAL TimeZone = 'UTC': naive UTC with milliseconds, equal to the created_at default of new rows.
Runs until --duration has passed, or until interrupted (Ctrl-C); then prints what it did.

Examples:
  totesys-etl simulate --rate 20 --duration 5m
  totesys-etl simulate --db postgres://postgres@127.0.0.1:5432/totesys --rate 200 --seed 3`

interface SimulateFlags {
  db?: string
  rate: string
  duration?: string
  seed: string
  json?: boolean
}

/** `totesys-etl simulate`: the live application writing to the source database. */
export const registerSimulate: RegisterCommand = (program, ctx) => {
  program
    .command('simulate')
    .description(
      'write new orders, payments paid and lookup edits to the source, as the live application does',
    )
    .option('--db <url>', 'database to write: postgres:// URL, pglite:<dir> (default TOTESYS_DB_URL)')
    .option('--rate <r>', 'changes per second', '5')
    .option('--duration <d>', 'stop after this long, e.g. 30s, 10m, 1h (default: until interrupted)')
    .option('--seed <s>', 'integer seed of the random choices', '1')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', HELP)
    .action(async (flags: SimulateFlags, command) => {
      const ratePerSecond = Number(flags.rate)
      if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
        throw new ConfigError(`--rate must be a number above 0; got '${flags.rate}'`)
      }
      const durationMs =
        flags.duration === undefined ? undefined : parseDuration(flags.duration, '--duration')
      const seed = parseIntegerFlag('--seed', flags.seed)
      const { runSimulate } = await import('../../../simulator/run-simulate.ts')
      const stop = new AbortController()
      const onSignal = () => stop.abort()
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      try {
        await ctx.withDeps(command, (deps) =>
          withSourceDb(deps, flags.db, async (db) => {
            const stats = await runSimulate(db, {
              ratePerSecond,
              durationMs,
              seed,
              signal: stop.signal,
              log: deps.log,
            })
            if (flags.json) console.log(JSON.stringify(stats))
            else {
              const updates = Object.values(stats.updates).reduce((a, b) => a + b, 0)
              console.log(
                `${stats.changes} changes in ${stats.ms} ms: ${stats.salesOrders} sales orders, ` +
                  `${stats.purchaseOrders} purchase orders, ${stats.paymentsPaid} payments paid, ${updates} lookup edits`,
              )
            }
          }),
        )
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })
}
