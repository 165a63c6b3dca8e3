/**
 * Database on embedded PostgreSQL (PGlite, in this process). One connection: PGlite serialises
 * transactions itself. COPY goes through PGlite's `/dev/blob` device, which holds one COPY's bytes in
 * memory: fine for the embedded default's sizes; a real server streams.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { PGlite, type PGliteOptions, type Transaction } from '@electric-sql/pglite'
import { AccessError, EtlError } from '../core/errors.ts'
import {
  beginSql,
  type Database,
  type SqlSession,
  TEXT_TYPE_OIDS,
  type TransactionOptions,
} from './database.ts'
import { type FolderLock, runLockFolder } from './folder-lock.ts'
import { makeFolder } from './make-folder.ts'
import { freshClusterTar } from './pglite-fresh-cluster.ts'
import { isStoreFailure, messageOf, toStoreError } from './store-failure.ts'

const parsers = Object.fromEntries(TEXT_TYPE_OIDS.map((oid) => [oid, (value: string) => value]))

function toBlobSql(sql: string, direction: 'TO STDOUT' | 'FROM STDIN'): string {
  const pattern = direction === 'TO STDOUT' ? /\bTO\s+STDOUT\b/i : /\bFROM\s+STDIN\b/i
  if (!pattern.test(sql)) throw new Error(`expected a COPY … ${direction} statement`)
  return sql.replace(pattern, direction === 'TO STDOUT' ? "TO '/dev/blob'" : "FROM '/dev/blob'")
}

async function readAll(source: Readable): Promise<Blob> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return new Blob(chunks)
}

type Runner = Pick<Transaction, 'query' | 'exec'>

function session(runner: Runner): SqlSession {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await runner.query<R>(sql, params as unknown[], { parsers })
      return result.rows
    },
    async exec(sql: string) {
      await runner.exec(sql)
    },
    async copyOut(sql: string) {
      const result = await runner.query(toBlobSql(sql, 'TO STDOUT'), [], { parsers })
      const bytes = result.blob ? new Uint8Array(await result.blob.arrayBuffer()) : new Uint8Array()
      return Readable.from([Buffer.from(bytes)])
    },
    async copyIn(sql: string, source: Readable) {
      await runner.query(toBlobSql(sql, 'FROM STDIN'), [], { blob: await readAll(source) })
    },
  }
}

export class PgliteDatabase implements Database {
  readonly kind = 'embedded'
  readonly description: string
  private readonly db: PGlite
  private readonly direct: SqlSession
  private readonly lock: FolderLock | undefined

  private constructor(db: PGlite, description: string, lock: FolderLock | undefined) {
    this.db = db
    this.description = description
    this.direct = session(db)
    this.lock = lock
  }

  /**
   * Opens (creating if needed) an embedded database in a folder, or in memory when path is undefined.
   * A folder is locked for this process while it is open: another process waits up to `lockWaitMs`
   * (default 2 s), then fails with an error naming the holder. The other `options` go to PGlite (the
   * tests start from a saved data folder with `loadDataDir`). A new database starts from the machine's
   * saved fresh cluster (pglite-fresh-cluster.ts) instead of running initdb again.
   */
  static async open(
    path: string | undefined,
    system = 'database',
    options: Omit<PGliteOptions, 'dataDir'> & { readonly lockWaitMs?: number } = {},
  ): Promise<PgliteDatabase> {
    const { lockWaitMs, ...pglite } = options
    const description = path === undefined ? 'pglite:memory' : `pglite:${path}`
    const what = `cannot open the embedded ${system} at ${description}`
    const lock =
      path === undefined
        ? undefined
        : await runPrepareFolder(path, what, `${system} at ${description}`, lockWaitMs)
    if (pglite.loadDataDir === undefined && !(await holdsCluster(path))) {
      const fresh = await freshClusterTar()
      if (fresh) pglite.loadDataDir = fresh
    }
    const db = new PGlite({ ...pglite, dataDir: path })
    try {
      await db.waitReady
    } catch (error) {
      lock?.release()
      // A full disk, a read-only folder …: the folder's failure, named as a store's (exit 74).
      if (isStoreFailure(error)) throw toStoreError(`the embedded ${system}`, 'open', description, error)
      throw new EtlError(`${what}: ${messageOf(error)}`, {}, { cause: error })
    }
    return new PgliteDatabase(db, description, lock)
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.direct.query<R>(sql, params)
  }
  exec(sql: string): Promise<void> {
    return this.direct.exec(sql)
  }
  copyOut(sql: string): Promise<Readable> {
    return this.direct.copyOut(sql)
  }
  copyIn(sql: string, source: Readable): Promise<void> {
    return this.direct.copyIn(sql, source)
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.db.transaction(async (tx) => {
      // PGlite has already sent BEGIN; the first statement may still set the transaction's mode.
      await tx.exec(beginSql(options).replace(/^BEGIN/, 'SET TRANSACTION'))
      return fn(session(tx))
    })
  }

  async close(): Promise<void> {
    try {
      if (!this.db.closed) await this.db.close()
    } finally {
      this.lock?.release()
    }
  }
}

/** Whether a data folder already holds a cluster (in memory there is none until PGlite makes one). */
async function holdsCluster(path: string | undefined): Promise<boolean> {
  if (path === undefined) return false
  return stat(join(path, 'PG_VERSION')).then(
    () => true,
    () => false,
  )
}

/** Creates the folder if needed and locks it for this process. */
async function runPrepareFolder(
  path: string,
  what: string,
  named: string,
  waitMs: number | undefined,
): Promise<FolderLock> {
  try {
    await makeFolder(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    throw new AccessError(
      `${what}: cannot create its folder (${code}); point it at a writable folder`,
      {},
      {
        cause: error,
      },
    )
  }
  return runLockFolder(path, { what: named, ...(waitMs === undefined ? {} : { waitMs }) })
}
