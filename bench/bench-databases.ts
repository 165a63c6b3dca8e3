/** The bench's PostgreSQL: make sure the local server runs, and create/drop uniquely named databases. */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import pg from 'pg'
import { PgDatabase } from '../src/io/pg-database.ts'
import { silentLog } from '../src/log.ts'
import { runSeed } from '../src/simulator/run-seed.ts'

export const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** Starts the local cluster when `pg_isready` says it is down. */
export function ensureServerRunning(): void {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-q'])
    return
  } catch {
    const [version] = readdirSync('/etc/postgresql')
    if (!version) throw new Error('PostgreSQL is not running and /etc/postgresql holds no cluster')
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
      stdio: 'inherit',
    })
  }
}

/** One connection to `url` for `fn`, closed after. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

const withAdmin = <T>(fn: (client: pg.Client) => Promise<T>) => withClient(ADMIN_URL, fn)

/** Databases created by this process, so a failure still drops them all. */
const created = new Set<string>()

/** Prepended to every database name (letters, digits, `_`): a session sharing the server tells its own apart. */
const PREFIX = (process.env.BENCH_DB_PREFIX ?? '').replace(/[^a-z0-9_]/gi, '').toLowerCase()

/**
 * Creates a database named [BENCH_DB_PREFIX]bench_<role>_<random>, empty or a copy of `template` (a name of
 * letters, digits and `_`, with no one connected to it), and returns its URL.
 */
export async function createBenchDatabase(role: string, template?: string): Promise<string> {
  const name = `${PREFIX}bench_${role}_${randomBytes(4).toString('hex')}`
  if (template !== undefined && !/^[a-z0-9_]+$/.test(template)) throw new Error(`bad template ${template}`)
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`))
  created.add(name)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** Drops one database by its URL. */
export async function dropBenchDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  created.delete(name)
}

/** Drops every database this process created and has not dropped yet. */
export async function dropAllBenchDatabases(): Promise<void> {
  for (const name of [...created]) {
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    created.delete(name)
  }
}

/** Size of a database on disk, in MB. */
export async function databaseSizeMb(url: string): Promise<number> {
  const name = new URL(url).pathname.slice(1)
  const { rows } = await withAdmin((c) =>
    c.query<{ bytes: string }>('SELECT pg_database_size($1)::text AS bytes', [name]),
  )
  return Number(rows[0]?.bytes ?? 0) / 1e6
}

/** The server's version string. */
export async function serverVersion(): Promise<string> {
  const { rows } = await withAdmin((c) =>
    c.query<{ v: string }>("SELECT current_setting('server_version') AS v"),
  )
  return rows[0]?.v ?? 'unknown'
}

/**
 * Seeds a bench source with the synthetic data at `scale` (seed 42, so every run reads the same rows) and
 * analyses it, as a source in production would be; returns the rows seeded, per table.
 */
export async function seedBenchSource(url: string, scale: number): Promise<Record<string, number>> {
  const source = new PgDatabase(url)
  try {
    const counts = await runSeed(source, { kind: 'synthetic', scale, seed: 42 }, { log: silentLog })
    await source.exec('ANALYZE')
    return counts
  } finally {
    await source.close()
  }
}
