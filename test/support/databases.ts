/**
 * Real PostgreSQL for tests: an embedded PGlite always, and a fresh database on the local server when it
 * is reachable (CI starts it). Nothing is mocked.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Database } from '../../src/io/database.ts'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { PgliteDatabase } from '../../src/io/pglite-database.ts'

export const SERVER_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

let reachable: Promise<boolean> | undefined
/** True when the local PostgreSQL server answers. */
export function serverReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: SERVER_ADMIN_URL, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      await client.end()
      return true
    } catch {
      return false
    }
  })()
  return reachable
}

export interface TestDatabase {
  readonly db: Database
  /** A URL for the server database (for CLI runs), or `pglite:memory`-like description. */
  readonly url: string
  drop(): Promise<void>
}

/** A new, empty database on the local server, dropped by `drop()`. */
export async function createServerDatabase(): Promise<TestDatabase> {
  const name = `etl_test_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: SERVER_ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(SERVER_ADMIN_URL)
  url.pathname = `/${name}`
  const db = new PgDatabase(url.toString())
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close()
      const admin2 = new pg.Client({ connectionString: SERVER_ADMIN_URL })
      await admin2.connect()
      await admin2.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin2.end()
    },
  }
}

/** A new in-memory embedded database. */
export async function createEmbeddedDatabase(): Promise<TestDatabase> {
  const db = await PgliteDatabase.open(undefined)
  return { db, url: 'pglite:memory', drop: () => db.close() }
}

export type DatabaseKind = 'server' | 'embedded'
export const DATABASE_KINDS: readonly DatabaseKind[] = ['embedded', 'server']

/** Creates a database of a kind; for 'server', undefined when no server is reachable. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase | undefined> {
  if (kind === 'embedded') return createEmbeddedDatabase()
  return (await serverReachable()) ? createServerDatabase() : undefined
}
