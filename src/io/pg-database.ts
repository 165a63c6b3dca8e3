/** Database on a PostgreSQL server through `pg` (pool) and `pg-copy-streams` (COPY). */
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { AccessError, UnavailableError } from '../core/errors.ts'
import { redactText, redactUrl, secretsOfUrl } from '../core/redact.ts'
import {
  beginSql,
  type Database,
  type SqlSession,
  TEXT_TYPE_OIDS,
  type TransactionOptions,
} from './database.ts'

const textOids = new Set<number>(TEXT_TYPE_OIDS)
const identity = (value: string): string => value
const types = {
  getTypeParser: (oid: number, format?: string) =>
    // biome-ignore lint/suspicious/noExplicitAny: pg's own typing of getTypeParser is overloaded
    textOids.has(oid) ? identity : (pg.types.getTypeParser as any)(oid, format),
}

function clientSession(client: pg.PoolClient): SqlSession {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query(sql, params as unknown[])
      return result.rows as R[]
    },
    async exec(sql: string) {
      await client.query(sql)
    },
    async copyOut(sql: string) {
      return client.query(copyTo(sql))
    },
    async copyIn(sql: string, source: Readable) {
      await pipeline(source, client.query(copyFrom(sql)))
    },
  }
}

const guarded = new WeakSet<pg.PoolClient>()

/** What the server's refusal means, by SQLSTATE, and what to do: retrying cannot help with any of these. */
const REFUSALS: Readonly<Record<string, string>> = {
  '3D000': 'create it, or fix the database name in the URL',
  '28P01': 'fix the password in the URL',
  '28000': "fix the user in the URL, or the server's pg_hba.conf",
  '42501': 'GRANT CONNECT on the database to the role, or use another role',
}

/**
 * The error for a failed connection: a refusal (database missing, login rejected) is an AccessError,
 * terminal; anything else (refused, timed out, reset) an UnavailableError, worth retrying. The message
 * names the system and its redacted URL, never a password, whatever the driver put in its own message.
 */
export function toConnectionError(error: unknown, system: string, url: string): Error {
  const code = (error as { code?: unknown } | null)?.code
  const driver = redactText(String((error as Error | null)?.message ?? error), secretsOfUrl(url))
  const what = `cannot connect to the ${system} at ${redactUrl(url)}`
  const refusal = typeof code === 'string' ? REFUSALS[code] : undefined
  if (refusal) return new AccessError(`${what}: ${driver} (${refusal})`, {}, { cause: error })
  return new UnavailableError(`${what}: ${driver}`, {}, { cause: error })
}

export class PgDatabase implements Database {
  readonly kind = 'server'
  readonly description: string
  private readonly pool: pg.Pool
  private readonly url: string
  private readonly system: string

  constructor(
    url: string,
    options: { max?: number; applicationName?: string; system?: string; connectTimeoutMs?: number } = {},
  ) {
    this.description = redactUrl(url)
    this.url = url
    this.system = options.system ?? 'database'
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      application_name: options.applicationName ?? 'totesys-etl',
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      types,
    })
    // An idle client that loses its connection must not crash the process; the next checkout reconnects.
    this.pool.on('error', () => {})
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      const client = await this.pool.connect()
      // A checked-out client whose connection drops emits 'error'; unheard, that would crash the process.
      // The statement in flight fails on its own, and the failed client is released destroyed.
      if (!guarded.has(client)) {
        guarded.add(client)
        client.on('error', () => {})
      }
      return client
    } catch (error) {
      throw toConnectionError(error, this.system, this.url)
    }
  }

  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect()
    let broken: Error | undefined
    try {
      return await fn(client)
    } catch (error) {
      broken = error as Error
      throw error
    } finally {
      // A client whose statement failed mid-COPY is not safe to reuse: release it destroyed.
      client.release(broken)
    }
  }

  query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.withClient((client) => clientSession(client).query<R>(sql, params))
  }

  exec(sql: string): Promise<void> {
    return this.withClient((client) => clientSession(client).exec(sql))
  }

  async copyOut(sql: string): Promise<Readable> {
    const client = await this.connect()
    const stream = client.query(copyTo(sql))
    stream.once('end', () => client.release())
    stream.once('error', (error) => client.release(error))
    return stream
  }

  copyIn(sql: string, source: Readable): Promise<void> {
    return this.withClient((client) => clientSession(client).copyIn(sql, source))
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.withClient(async (client) => {
      await client.query(beginSql(options))
      try {
        const result = await fn(clientSession(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      }
    })
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}

/**
 * Creates the database a server URL names when the server has no such database (through the
 * server's `postgres` maintenance database, with the URL's credentials). Returns the database's name
 * when it created one, undefined when it was there. The name is the user's own setting, quoted.
 */
export async function runCreateDatabaseIfAbsent(
  url: string,
  system = 'database',
): Promise<string | undefined> {
  const target = new URL(url)
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''))
  if (name === '' || name === 'postgres') return undefined
  const maintenance = new URL(url)
  maintenance.pathname = '/postgres'
  const client = new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 10_000 })
  try {
    await client.connect()
  } catch (error) {
    throw toConnectionError(error, system, maintenance.toString())
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (found.rowCount) return undefined
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`)
    return name
  } catch (error) {
    // Another run created it in between: fine.
    if ((error as { code?: unknown }).code === '42P04') return undefined
    const message = redactText(String((error as Error).message ?? error), secretsOfUrl(url))
    throw new AccessError(
      `cannot create the ${system} database "${name}" at ${redactUrl(url)}: ${message}`,
      {},
      {
        cause: error,
      },
    )
  } finally {
    await client.end().catch(() => {})
  }
}
