/** Database on a PostgreSQL server through `pg` (pool) and `pg-copy-streams` (COPY). */
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { UnavailableError } from '../core/errors.ts'
import { redactSecrets, redactUrl } from '../core/redact.ts'
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

export class PgDatabase implements Database {
  readonly kind = 'server'
  readonly description: string
  private readonly pool: pg.Pool
  private readonly password: string

  constructor(url: string, options: { max?: number; applicationName?: string } = {}) {
    this.description = redactUrl(url)
    this.password = decodeURIComponent(new URL(url).password)
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      application_name: options.applicationName ?? 'totesys-etl',
      connectionTimeoutMillis: 10_000,
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
      const message = redactSecrets(String((error as Error).message ?? error), [this.password])
      throw new UnavailableError(`cannot connect to ${this.description}: ${message}`, {}, { cause: error })
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
