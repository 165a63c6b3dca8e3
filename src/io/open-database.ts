import type { DbLocation } from '../config.ts'
import type { Database } from './database.ts'
import { PgDatabase } from './pg-database.ts'
import { PgliteDatabase } from './pglite-database.ts'

/** Opens the database a location names: a pool on a server, or an embedded PGlite. */
export async function openDatabase(location: DbLocation): Promise<Database> {
  return location.kind === 'server' ? new PgDatabase(location.url) : PgliteDatabase.open(location.path)
}
