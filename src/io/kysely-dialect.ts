/**
 * A Kysely dialect over our own Database interface, so typed queries run on both a PostgreSQL server
 * (pg) and embedded PGlite through the same connection handling, time zone rules and text types.
 * Compilation is Kysely's PostgreSQL dialect; only the driver is ours.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import type { Database, Isolation, SqlSession } from './database.ts'

const ROLLBACK = Symbol('rollback')

interface OpenTransaction {
  readonly session: SqlSession
  finish(commit: boolean): void
  readonly done: Promise<void>
}

/** One Kysely connection: queries go to the open transaction's session if any, else to the base session. */
class SessionConnection implements DatabaseConnection {
  private tx: OpenTransaction | undefined
  constructor(private readonly base: SqlSession | Database) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const session = this.tx?.session ?? this.base
    return { rows: await session.query<R>(compiled.sql, compiled.parameters) }
  }

  // biome-ignore lint/correctness/useYield: streaming is deliberately unsupported (use copyOut for bulk reads)
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streamQuery is not supported: use Database.copyOut for bulk reads')
  }

  /** Opens a transaction through Database.transaction, parking its callback until commit or rollback. */
  async begin(settings: TransactionSettings): Promise<void> {
    const base = this.base
    if (!('transaction' in base)) throw new Error('this Kysely instance already runs inside a transaction')
    let finish: (commit: boolean) => void = () => {}
    const finished = new Promise<boolean>((resolve) => {
      finish = resolve
    })
    let opened: (tx: SqlSession) => void = () => {}
    const ready = new Promise<SqlSession>((resolve) => {
      opened = resolve
    })
    const isolation = settings.isolationLevel as Isolation | undefined
    const done = base
      .transaction(
        async (tx) => {
          opened(tx)
          if (!(await finished)) throw ROLLBACK
        },
        isolation ? { isolation } : {},
      )
      .catch((error: unknown) => {
        if (error !== ROLLBACK) throw error
      })
    // If BEGIN itself fails, `done` settles before the session arrives.
    const session = await Promise.race([
      ready,
      done.then((): never => {
        throw new Error('the transaction ended before it began')
      }),
    ])
    this.tx = { session, finish, done }
  }

  async end(commit: boolean): Promise<void> {
    const tx = this.tx
    this.tx = undefined
    if (!tx) return
    tx.finish(commit)
    await tx.done
  }
}

class SessionDriver implements Driver {
  constructor(private readonly base: SqlSession | Database) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new SessionConnection(this.base)
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await (connection as SessionConnection).begin(settings)
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SessionConnection).end(true)
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SessionConnection).end(false)
  }
  async releaseConnection(): Promise<void> {}
  // The Database (or the transaction) belongs to the caller, who closes it.
  async destroy(): Promise<void> {}
}

/** Kysely's PostgreSQL dialect, with a driver that runs queries through a Database or a transaction session. */
export class SessionDialect implements Dialect {
  constructor(private readonly base: SqlSession | Database) {}
  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }
  createDriver(): Driver {
    return new SessionDriver(this.base)
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's introspector takes any database schema
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
}
