import type { DbLocation } from '../config.ts'
import type { Database } from './database.ts'

export interface OpenDatabaseOptions {
  /** How errors name it: `source (TOTESYS_DB_URL)`, `warehouse (WAREHOUSE_DB_URL)`. */
  readonly system?: string
  /** How long a connection attempt to a server may take. */
  readonly connectTimeoutMs?: number
}

/**
 * Opens the database a location names: a pool on a server, or an embedded PGlite. Each driver is
 * loaded on first use, so a command that touches no database (or `--help`) does not pay for it.
 */
export async function openDatabase(
  location: DbLocation,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  if (location.kind === 'server') {
    const { PgDatabase } = await import('./pg-database.ts')
    return new PgDatabase(location.url, options)
  }
  const { PgliteDatabase } = await import('./pglite-database.ts')
  return PgliteDatabase.open(location.path, options.system)
}
