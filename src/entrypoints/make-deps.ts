/**
 * Builds the dependencies the stages take from a Config: databases and stores are opened lazily and
 * once, so a command touches only what it needs, and a warm Lambda reuses them.
 */
import { type Config, describeLocation } from '../config.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { openDatabase } from '../io/open-database.ts'
import { openStore } from '../io/open-store.ts'
import { type Log, powertoolsLog } from '../log.ts'

export interface Deps {
  readonly config: Config
  readonly log: Log
  source(): Promise<Database>
  warehouse(): Promise<Database>
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  /** Closes whatever was opened. */
  close(): Promise<void>
}

/** Lazily opened dependencies for a config. */
export function makeDeps(config: Config, log: Log = powertoolsLog()): Deps {
  const opened: Promise<Database>[] = []
  const lazy = (location: Config['totesysDb']) => {
    let db: Promise<Database> | undefined
    return () => {
      if (!db) {
        db = openDatabase(location)
        opened.push(db)
      }
      return db
    }
  }
  // Two settings naming the same embedded folder must share one PGlite instance (it allows one opener).
  const source = lazy(config.totesysDb)
  const sameDb = describeLocation(config.totesysDb) === describeLocation(config.warehouseDb)
  const warehouse = sameDb ? source : lazy(config.warehouseDb)
  return {
    config,
    log,
    source,
    warehouse,
    ingestion: openStore(config.ingestionStore, config.s3Endpoint),
    processed: openStore(config.processedStore, config.s3Endpoint),
    async close() {
      const results = await Promise.allSettled(opened)
      for (const result of results) if (result.status === 'fulfilled') await result.value.close()
    },
  }
}
