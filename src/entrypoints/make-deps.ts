/**
 * Builds the dependencies the stages take from a Config: databases and stores are opened lazily and
 * once, so a command touches only what it needs (and loads only the drivers it needs), and a warm
 * Lambda reuses them.
 */
import { type Config, describeLocation } from '../config.ts'
import { StoreError } from '../core/errors.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { openDatabase } from '../io/open-database.ts'
import { openStore } from '../io/open-store.ts'
import { type Log, powertoolsLog } from '../log.ts'
import type { StageDeps } from '../service/stages/stage-deps.ts'
import { SYSTEM_NAMES } from '../settings.ts'

export interface Deps extends StageDeps {
  /**
   * The first store write that failed since the deps were made, if any. A stage may record such a
   * failure against a table and carry on; the caller reports it as what it is.
   */
  storeFailure?(): StoreError | undefined
  /**
   * Forgets the store failure noticed so far when every failing write came before `ms`: a long-running
   * command (start, watch) calls it with the start of a cycle that worked, so a full disk it recovered
   * from is not its failure when it stops; a write that failed during that cycle still is.
   */
  forgetStoreFailuresBefore?(ms: number): void
  /** Closes whatever was opened. */
  close(): Promise<void>
}

/**
 * A store that remembers the first StoreError a write threw (and still throws it). Reads are not
 * noticed: a reader (status, verify) reports a store it cannot read as a problem of its own.
 */
function noticingFailures(store: ObjectStore, notice: (error: StoreError) => void): ObjectStore {
  const watch =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args)
      } catch (error) {
        if (error instanceof StoreError) notice(error)
        throw error
      }
    }
  return {
    description: store.description,
    put: watch((key, body) => store.put(key, body)),
    putStream: watch((key, body) => store.putStream(key, body)),
    createIfAbsent: watch((key, body) => store.createIfAbsent(key, body)),
    get: (key) => store.get(key),
    getStream: (key) => store.getStream(key),
    list: (prefix) => store.list(prefix),
    delete: watch((key) => store.delete(key)),
    toLocalFile: (key, tmpDir) => store.toLocalFile(key, tmpDir),
    putFile: watch((key, path) => store.putFile(key, path)),
  }
}

/** The store write failures a command noticed: the first of them, and when the latest was. */
export function storeFailureMemory(now: () => number = Date.now) {
  let first: StoreError | undefined
  let latestAt = Number.NEGATIVE_INFINITY
  return {
    notice(error: StoreError): void {
      first ??= error
      latestAt = now()
    },
    current: (): StoreError | undefined => first,
    forgetBefore(ms: number): void {
      if (latestAt < ms) first = undefined
    },
  }
}

/** The ingestion or processed store a config names, as errors name it (S3 opened on first use). */
export function openConfiguredStore(config: Config, which: 'ingestion' | 'processed'): ObjectStore {
  const location = which === 'ingestion' ? config.ingestionStore : config.processedStore
  return openStore(location, config.s3Endpoint, SYSTEM_NAMES[which], config.s3Region)
}

/** Lazily opened dependencies for a config. */
export function makeDeps(config: Config, log: Log = powertoolsLog()): Deps {
  const opened: Promise<Database>[] = []
  const lazy = (location: Config['totesysDb'], system: string) => {
    let db: Promise<Database> | undefined
    return () => {
      if (!db) {
        db = openDatabase(location, { system })
        opened.push(db)
      }
      return db
    }
  }
  // Two settings naming the same embedded folder must share one PGlite instance (it allows one opener).
  const sameDb = describeLocation(config.totesysDb) === describeLocation(config.warehouseDb)
  const source = lazy(config.totesysDb, sameDb ? 'source and warehouse' : SYSTEM_NAMES.source)
  const warehouse = sameDb ? source : lazy(config.warehouseDb, SYSTEM_NAMES.warehouse)
  const failures = storeFailureMemory()
  const notice = (error: StoreError) => failures.notice(error)
  return {
    config,
    log,
    source,
    warehouse,
    ingestion: noticingFailures(openConfiguredStore(config, 'ingestion'), notice),
    processed: noticingFailures(openConfiguredStore(config, 'processed'), notice),
    storeFailure: failures.current,
    forgetStoreFailuresBefore: (ms) => failures.forgetBefore(ms),
    async close() {
      const results = await Promise.allSettled(opened)
      for (const result of results) if (result.status === 'fulfilled') await result.value.close()
    },
  }
}
