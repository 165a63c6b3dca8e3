/**
 * (2b) The warehouse floor: the least work any pipeline must do to leave these rows in the warehouse as it
 * is (issue 16 target 1 keeps it "unchanged and exactly as today"). After a full load, every star-schema
 * table of the loaded warehouse is COPYed out to CSV, then into a fresh warehouse made by `init` (primary
 * keys, the facts' version indexes, foreign keys), two ways, each in one transaction as the load commits:
 * - straight: every foreign key checked row by row, as any COPY into the constrained tables does;
 * - bulk: the foreign keys dropped first and added back (validated, one scan each) before the commit, the
 *   load's own bulk path.
 * The faster of the two is the floor. A first load also has to read the source (the raw limit's first
 * half), which at best overlaps it; so while the floor alone is over 2× the raw limit, no pipeline that
 * writes this warehouse can meet target 1.
 */
import { createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { quoteIdent } from '../src/core/sql-ident.ts'
import { WAREHOUSE_TABLES } from '../src/core/warehouse-catalogue.ts'
import { PgDatabase } from '../src/io/pg-database.ts'
import { runInitWarehouse } from '../src/load/run-init.ts'
import { createBenchDatabase, dropBenchDatabase, withClient } from './bench-databases.ts'

export interface WarehouseFloorFigures {
  /** Star-schema rows copied (every dimension and fact table). */
  readonly rows: number
  readonly mbCopied: number
  /** COPY into the constrained tables, foreign keys checked row by row, one transaction. */
  readonly straightS: number
  /** The same with the foreign keys dropped first and re-added (validated) before the commit. */
  readonly bulkS: number
  /** The faster of the two. */
  readonly floorS: number
}

/** A fresh warehouse as `init` makes it (the bench's purchase fact table is fact_purchase_orders). */
async function createWarehouse(): Promise<string> {
  const url = await createBenchDatabase('floor')
  const db = new PgDatabase(url)
  try {
    await runInitWarehouse(db, { purchaseFactTable: 'fact_purchase_orders' })
  } finally {
    await db.close()
  }
  return url
}

/** COPYs every table's file into `url` in one transaction; with `bulk`, around dropped foreign keys. */
async function copyIn(url: string, file: (table: string) => string, bulk: boolean): Promise<number> {
  return withClient(url, async (client) => {
    const started = performance.now()
    await client.query('BEGIN')
    const { rows: keys } = await client.query<{ drop: string; add: string }>(
      `SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS drop,
              format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
                     pg_get_constraintdef(oid)) AS add
       FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
    )
    if (bulk) for (const { drop } of keys) await client.query(drop)
    for (const table of WAREHOUSE_TABLES) {
      await pipeline(
        createReadStream(file(table)),
        client.query(copyFrom(`COPY ${quoteIdent(table)} FROM STDIN (FORMAT csv)`)),
      )
    }
    if (bulk) for (const { add } of keys) await client.query(add)
    await client.query('COMMIT')
    return (performance.now() - started) / 1000
  })
}

/** Times the floor on the warehouse `loadedUrl` holds, in `dir` (its files are left for the caller). */
export async function runWarehouseFloor(loadedUrl: string, dir: string): Promise<WarehouseFloorFigures> {
  mkdirSync(dir, { recursive: true })
  const file = (table: string) => join(dir, `${table}.csv`)
  const rows = await withClient(loadedUrl, async (client) => {
    let copied = 0
    for (const table of WAREHOUSE_TABLES) {
      const out = client.query(copyTo(`COPY ${quoteIdent(table)} TO STDOUT (FORMAT csv)`))
      await pipeline(out, createWriteStream(file(table)))
      copied += out.rowCount ?? 0
    }
    return copied
  })
  const timeInto = async (bulk: boolean) => {
    const url = await createWarehouse()
    try {
      return await copyIn(url, file, bulk)
    } finally {
      await dropBenchDatabase(url)
    }
  }
  const straightS = await timeInto(false)
  const bulkS = await timeInto(true)
  const mbCopied = WAREHOUSE_TABLES.reduce((a, table) => a + statSync(file(table)).size, 0) / 1e6
  return { rows, mbCopied, straightS, bulkS, floorS: Math.min(straightS, bulkS) }
}
