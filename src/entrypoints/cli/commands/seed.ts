import { ConfigError } from '../../../core/errors.ts'
import type { Database } from '../../../io/database.ts'
import { openDatabase } from '../../../io/open-database.ts'
import { SYSTEM_NAMES } from '../../../settings.ts'
import { MAX_SCALE } from '../../../simulator/plan-seed.ts'
import type { SeedSource } from '../../../simulator/run-seed.ts'
import type { Deps } from '../../make-deps.ts'
import type { RegisterCommand } from '../command-context.ts'

const HELP = `
Without --scale it loads the real snapshot (data/totesys-snapshot-2024-02-23: 6941 sales orders, 2958
purchase orders, 9899 transactions and payments). --scale N generates synthetic data shaped like it:
N times the designs, orders, transactions and payments (one transaction and one payment per order,
created on weekdays 08:00-19:00 UTC between 2022-11-04 and 2024-02-23, ~60 % of payments paid), while
the lookup tables (address, counterparty, currency, department, payment_type, staff) keep the
snapshot's rows. The same --scale and --seed give identical data. Rows are generated lazily and sent
as COPY batches of ~10k orders in one transaction (memory stays flat at any scale); the order tables'
foreign keys are dropped for the load and re-created, validating every row, before it commits.
Measured on the local server: --scale 100 (3M rows) in about 30 s, ~320 MB peak RSS.

A server database that does not exist is created (through the server's postgres database). The database
gets the totesys schema if it has none. A database that already holds rows is refused unless --force is
given, which empties every totesys table (TRUNCATE ... RESTART IDENTITY) first.

Examples:
  totesys-etl seed --db pglite:.data/totesys
  totesys-etl seed --db postgres://postgres@127.0.0.1:5432/totesys --scale 10 --seed 7`

/** Opens `--db` when given (closed by fn's caller), else the configured source (closed with deps). */
export async function withSourceDb<T>(
  deps: Deps,
  url: string | undefined,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  if (url === undefined) return fn(await deps.source())
  const { parseDbLocation } = await import('../../../config.ts')
  const db = await openDatabase(parseDbLocation('--db', url, ''), { system: 'source (--db)' })
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

/** Parses a flag that must be an integer. */
export function parseIntegerFlag(name: string, text: string): number {
  const value = Number(text)
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new ConfigError(`${name} must be an integer; got '${text}'`)
  }
  return value
}

interface SeedFlags {
  db?: string
  snapshot?: boolean
  scale?: string
  seed: string
  force?: boolean
}

/** `totesys-etl seed`: creates and fills a totesys source database. */
export const registerSeed: RegisterCommand = (program, ctx) => {
  program
    .command('seed')
    .description('create the totesys schema if absent and fill it with the real snapshot or synthetic data')
    .option(
      '--db <url>',
      'database to seed: postgres:// URL, pglite:<dir> or pglite:memory (default TOTESYS_DB_URL)',
    )
    .option('--snapshot', 'load the real snapshot (the default)')
    .option('--scale <n>', `synthetic data at n times the snapshot's size, 0 < n <= ${MAX_SCALE}`)
    .option('--seed <s>', 'integer seed of the synthetic data', '1')
    .option('--force', 'empty every totesys table first if the database already holds rows')
    .addHelpText('after', HELP)
    .action(async (flags: SeedFlags, command) => {
      const { runSeed } = await import('../../../simulator/run-seed.ts')
      if (flags.snapshot && flags.scale !== undefined)
        throw new ConfigError('give --snapshot or --scale, not both')
      const source: SeedSource =
        flags.scale === undefined
          ? { kind: 'snapshot' }
          : { kind: 'synthetic', scale: Number(flags.scale), seed: parseIntegerFlag('--seed', flags.seed) }
      await ctx.withDeps(command, async (deps) => {
        const location =
          flags.db ?? (deps.config.totesysDb.kind === 'server' ? deps.config.totesysDb.url : undefined)
        if (location?.startsWith('postgres')) {
          const { runCreateDatabaseIfAbsent } = await import('../../../io/pg-database.ts')
          const created = await runCreateDatabaseIfAbsent(location, SYSTEM_NAMES.source)
          if (created) deps.log.info('source database created', { database: created })
        }
        await withSourceDb(deps, flags.db, async (db) => {
          const counts = await runSeed(db, source, {
            force: flags.force,
            progress: ctx.progress('seed', 'rows'),
            log: deps.log,
          })
          const total = Object.values(counts).reduce((a, b) => a + b, 0)
          console.log(`seeded ${db.description} with ${total} rows`)
          for (const [table, rows] of Object.entries(counts)) console.log(`  ${table.padEnd(15)} ${rows}`)
        })
      })
    })
}
