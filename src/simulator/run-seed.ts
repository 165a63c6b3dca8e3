/**
 * Fills an empty totesys database: the real snapshot, or synthetic data at any scale streamed through
 * COPY in one transaction (a failure leaves the database as it was). Creates the schema when absent.
 */
import { Readable } from 'node:stream'
import { ConfigError } from '../core/errors.ts'
import { SOURCE_TABLES, type SourceTable, sourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import type { Database, SqlSession } from '../io/database.ts'
import { runWithoutForeignKeys } from '../io/without-foreign-keys.ts'
import { type Log, noProgress, type Progress } from '../log.ts'
import { resetSequences, runCopySnapshotTables, runLoadSnapshot } from './load-snapshot.ts'
import { planSeed } from './plan-seed.ts'
import { type CopyBatch, planSeedCopies, seedRowCount } from './seed-copies.ts'
import { hasSourceSchema, runCreateSourceSchema } from './source-schema.ts'

export type SeedSource =
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'synthetic'; scale: number; seed: number }

export interface SeedOptions {
  /** Empty every table first (TRUNCATE … RESTART IDENTITY) instead of refusing a database with rows. */
  readonly force?: boolean
  readonly progress?: Progress
  readonly log: Log
}

/** Lookup tables the synthetic data takes from the real snapshot, in foreign-key order. */
export const LOOKUP_TABLES: readonly SourceTable[] = [
  'address',
  'currency',
  'department',
  'payment_type',
  'counterparty',
  'staff',
]

/** The big tables, loaded without row-by-row foreign-key checks (validated in bulk at the end). */
const ORDER_TABLES: readonly SourceTable[] = ['sales_order', 'purchase_order', 'transaction', 'payment']

/** Seeds the database and returns each table's row count. */
export async function runSeed(
  db: Database,
  source: SeedSource,
  options: SeedOptions,
): Promise<Record<SourceTable, number>> {
  const started = performance.now()
  // Plan first: a bad --scale fails before anything is written.
  const plan = source.kind === 'synthetic' ? planSeed(source) : undefined
  if (!(await hasSourceSchema(db))) await runCreateSourceSchema(db)
  const filled = await filledTables(db)
  if (filled.length > 0 && !options.force) {
    throw new ConfigError(
      `${db.description} already holds rows (${filled.join(', ')}); seed fills an empty database: ` +
        'pass --force to empty every totesys table first',
    )
  }
  let counts: Record<SourceTable, number>
  if (!plan) {
    if (filled.length > 0) await truncateAll(db)
    counts = await runLoadSnapshot(db)
  } else {
    const progress = options.progress ?? noProgress
    progress.start(seedRowCount(plan))
    try {
      counts = await db.transaction(async (tx) => {
        if (filled.length > 0) await truncateAll(tx)
        await runCopySnapshotTables(tx, LOOKUP_TABLES)
        await runWithoutForeignKeys(tx, ORDER_TABLES, async () => {
          for (const batch of planSeedCopies(plan)) {
            await copyBatch(tx, batch)
            progress.advance(batch.rows, batch.table)
          }
        })
        await resetSequences(tx)
        return countRows(tx)
      })
    } finally {
      progress.stop()
    }
  }
  const fields = plan ? { scale: plan.scale, seed: plan.seed } : {}
  options.log.info('source seeded', {
    db: db.description,
    source: source.kind,
    ...fields,
    rows: counts,
    ms: Math.round(performance.now() - started),
  })
  return counts
}

async function copyBatch(tx: SqlSession, batch: CopyBatch): Promise<void> {
  // Identifiers from the catalogue; a unit test checks the generators emit its column order.
  const columns = sourceTable(batch.table)
    .columns.map((c) => quoteIdent(c.name))
    .join(', ')
  const sql = `COPY ${quoteIdent(batch.table)} (${columns}) FROM STDIN (FORMAT csv)`
  await tx.copyIn(sql, Readable.from([batch.text], { objectMode: false }))
}

/** Tables that hold at least one row. */
async function filledTables(db: SqlSession): Promise<SourceTable[]> {
  const filled: SourceTable[] = []
  for (const table of SOURCE_TABLES) {
    const [row] = await db.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(table)}) AS any`,
    )
    if (row?.any) filled.push(table)
  }
  return filled
}

async function truncateAll(db: SqlSession): Promise<void> {
  await db.exec(`TRUNCATE ${SOURCE_TABLES.map(quoteIdent).join(', ')} RESTART IDENTITY CASCADE`)
}

async function countRows(db: SqlSession): Promise<Record<SourceTable, number>> {
  const counts = {} as Record<SourceTable, number>
  for (const table of SOURCE_TABLES) {
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(table)}`)
    counts[table] = row?.n ?? 0
  }
  return counts
}
