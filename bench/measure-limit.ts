/**
 * (2) The physical limit on the same rows: COPY every source table out to a CSV file, then COPY those
 * files into an identical empty totesys schema (sql/totesys.sql) in a fresh database. The least work that
 * moves these rows between two databases; the pipeline is compared against it.
 */
import { createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { quoteIdent } from '../src/core/sql-ident.ts'
import { PgDatabase } from '../src/io/pg-database.ts'
import { LOAD_ORDER } from '../src/simulator/load-snapshot.ts'
import { runCreateSourceSchema } from '../src/simulator/source-schema.ts'
import { createBenchDatabase, dropBenchDatabase } from './bench-databases.ts'

export interface LimitFigures {
  readonly copyOutS: number
  readonly copyInS: number
  readonly totalS: number
  readonly mbCopied: number
  /** Context, not the limit: the same COPY in with the target's foreign keys dropped first (no per-row checks). */
  readonly copyInWithoutForeignKeysS: number
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A fresh database with the totesys schema; without its foreign keys when asked. */
async function createTarget(role: string, foreignKeys: boolean): Promise<string> {
  const url = await createBenchDatabase(role)
  const db = new PgDatabase(url)
  await runCreateSourceSchema(db)
  await db.close()
  if (!foreignKeys) {
    await withClient(url, async (client) => {
      const { rows } = await client.query<{ sql: string }>(
        `SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS sql
         FROM pg_constraint WHERE contype = 'f'`,
      )
      for (const { sql } of rows) await client.query(sql)
    })
  }
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
  const limitUrl = await createTarget('limit', true)
  const floorUrl = await createTarget('limitnofk', false)
  try {
    return await measure(sourceUrl, dir, limitUrl, floorUrl)
  } finally {
    await dropBenchDatabase(limitUrl)
    await dropBenchDatabase(floorUrl)
  }
}

async function measure(
  sourceUrl: string,
  dir: string,
  limitUrl: string,
  floorUrl: string,
): Promise<LimitFigures> {
  const file = (table: string) => join(dir, `${table}.csv`)

  const outStarted = performance.now()
  await withClient(sourceUrl, async (client) => {
    for (const table of LOAD_ORDER) {
      const out = client.query(copyTo(`COPY ${quoteIdent(table)} TO STDOUT (FORMAT csv)`))
      await pipeline(out, createWriteStream(file(table)))
    }
  })
  const copyOutS = (performance.now() - outStarted) / 1000

  // The target keeps every constraint of the source schema, checked row by row as in any COPY.
  const copyInS = await copyIn(limitUrl, file)
  const copyInWithoutForeignKeysS = await copyIn(floorUrl, file)
  const mbCopied = LOAD_ORDER.reduce((a, table) => a + statSync(file(table)).size, 0) / 1e6
  return { copyOutS, copyInS, totalS: copyOutS + copyInS, mbCopied, copyInWithoutForeignKeysS }
}
