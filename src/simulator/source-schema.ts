/** Creates the totesys schema (sql/totesys.sql, the data contract) in a database. */
import { readFile } from 'node:fs/promises'
import type { SqlSession } from '../io/database.ts'
import { projectFile } from '../io/project-file.ts'

/** Applies the source schema; fails if the tables exist already. */
export async function runCreateSourceSchema(db: SqlSession): Promise<void> {
  await db.exec(await readFile(projectFile('sql/totesys.sql'), 'utf8'))
}

/** True when the database already holds the totesys tables. */
export async function hasSourceSchema(db: SqlSession): Promise<boolean> {
  const rows = await db.query<{ present: boolean }>(
    "SELECT to_regclass('public.sales_order') IS NOT NULL AS present",
  )
  return rows[0]?.present === true
}
