/**
 * (2) The physical limits on the same rows: COPY every source table out to a CSV file, then COPY those
 * files into fresh databases. The raw limit (issue 16's yardstick) copies into keyless, constraint-free
 * copies of the tables (no primary key, no foreign key, no NOT NULL, no index): the least work that moves
 * these rows between two databases. For context, the same files into the constrained totesys schema
 * (sql/totesys.sql, as the source holds them; round one's yardstick) and into it without foreign keys.
 */
import { createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { quoteIdent } from '../src/core/sql-ident.ts'
import { PgDatabase } from '../src/io/pg-database.ts'
import { LOAD_ORDER } from '../src/simulator/load-snapshot.ts'
import { runCreateSourceSchema } from '../src/simulator/source-schema.ts'
import { createBenchDatabase, dropBenchDatabase, withClient } from './bench-databases.ts'
import { readServerCpuS } from './server-cpu.ts'

export interface LimitFigures {
  readonly copyOutS: number
  /** COPY into the constrained totesys schema (round one's limit: copyOutS + copyInS = totalS). */
  readonly copyInS: number
  readonly totalS: number
  /** COPY into keyless, constraint-free copies: the raw limit is copyOutS + copyInRawS = rawS. */
  readonly copyInRawS: number
  readonly rawS: number
  readonly mbCopied: number
  /** Context, not the limit: the same COPY in with the target's foreign keys dropped first (no per-row checks). */
  readonly copyInWithoutForeignKeysS: number
  /** CPU seconds of the raw limit: this process's and the PostgreSQL server's (NaN when unreadable). */
  readonly rawCpuS: number
}

/** What a target keeps of the totesys schema. */
type Constraints = 'all' | 'no-foreign-keys' | 'none'

/** A fresh database with the totesys schema, stripped as asked. */
async function createTarget(role: string, keep: Constraints): Promise<string> {
  const url = await createBenchDatabase(role)
  const db = new PgDatabase(url)
  await runCreateSourceSchema(db)
  await db.close()
  if (keep === 'all') return url
  await withClient(url, async (client) => {
    // Foreign keys first (they depend on the keys), then every other constraint, index and NOT NULL.
    const kinds = keep === 'none' ? "'f', 'p', 'u', 'c', 'x'" : "'f'"
    const { rows } = await client.query<{ sql: string }>(
      `SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS sql
       FROM pg_constraint WHERE contype IN (${kinds}) AND connamespace = 'public'::regnamespace
       ORDER BY contype <> 'f'`,
    )
    for (const { sql } of rows) await client.query(sql)
    if (keep !== 'none') return
    const rest = await client.query<{ sql: string }>(
      `SELECT format('DROP INDEX %s', indexrelid::regclass) AS sql FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace
       UNION ALL
       SELECT format('ALTER TABLE %s ALTER COLUMN %I DROP NOT NULL', attrelid::regclass, attname)
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
           AND a.attnotnull AND NOT a.attisdropped`,
    )
    for (const { sql } of rest.rows) await client.query(sql)
  })
  return url
}

/** COPYs every table's file into a database, in foreign-key order; returns seconds. */
async function copyIn(url: string, file: (table: string) => string): Promise<number> {
  const started = performance.now()
  await withClient(url, async (client) => {
    for (const table of LOAD_ORDER) {
      await pipeline(
        createReadStream(file(table)),
        client.query(copyFrom(`COPY ${quoteIdent(table)} FROM STDIN (FORMAT csv)`)),
      )
    }
  })
  return (performance.now() - started) / 1000
}

/** Times COPY out of `sourceUrl` into `dir`, then COPY into fresh 'limit' databases (dropped at the end). */
export async function runLimit(sourceUrl: string, dir: string): Promise<LimitFigures> {
  mkdirSync(dir, { recursive: true })
  const targets = {
    limit: await createTarget('limit', 'all'),
    floor: await createTarget('limitnofk', 'no-foreign-keys'),
    raw: await createTarget('limitraw', 'none'),
  }
  try {
    return await measure(sourceUrl, dir, targets)
  } finally {
    for (const url of Object.values(targets)) await dropBenchDatabase(url)
  }
}

async function measure(
  sourceUrl: string,
  dir: string,
  targets: { readonly limit: string; readonly floor: string; readonly raw: string },
): Promise<LimitFigures> {
  const file = (table: string) => join(dir, `${table}.csv`)

  const serverBefore = await readServerCpuS()
  const clientBefore = process.cpuUsage()
  const outStarted = performance.now()
  await withClient(sourceUrl, async (client) => {
    for (const table of LOAD_ORDER) {
      const out = client.query(copyTo(`COPY ${quoteIdent(table)} TO STDOUT (FORMAT csv)`))
      await pipeline(out, createWriteStream(file(table)))
    }
  })
  const copyOutS = (performance.now() - outStarted) / 1000

  const copyInRawS = await copyIn(targets.raw, file)
  const client = process.cpuUsage(clientBefore)
  const rawCpuS = (await readServerCpuS()) - serverBefore + (client.user + client.system) / 1e6
  // The constrained target keeps every constraint of the source schema, checked row by row as in any COPY.
  const copyInS = await copyIn(targets.limit, file)
  const copyInWithoutForeignKeysS = await copyIn(targets.floor, file)
  const mbCopied = LOAD_ORDER.reduce((a, table) => a + statSync(file(table)).size, 0) / 1e6
  return {
    copyOutS,
    copyInS,
    totalS: copyOutS + copyInS,
    copyInRawS,
    rawS: copyOutS + copyInRawS,
    mbCopied,
    copyInWithoutForeignKeysS,
    rawCpuS,
  }
}
