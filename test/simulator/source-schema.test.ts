/**
 * sql/totesys.sql (the data contract that creates the source) and SOURCE_DECLARATION (what the code
 * knows of the source) describe the same tables: names, column order, types, nullability, enum labels and
 * primary keys, read back from a real database the file was applied to.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SOURCE_CATALOGUE, type SourceType } from '../../src/core/source-catalogue.ts'
import { runCreateSourceSchema } from '../../src/simulator/source-schema.ts'
import { createEmbeddedDatabase, type TestDatabase } from '../support/databases.ts'

const TYPE_OF: Readonly<Record<string, SourceType>> = {
  integer: 'int4',
  text: 'text',
  'character varying': 'varchar',
  'timestamp without time zone': 'timestamp',
  numeric: 'numeric',
  boolean: 'bool',
  'USER-DEFINED': 'enum',
}

describe('sql/totesys.sql and the source declaration', () => {
  let t: TestDatabase
  before(async () => {
    t = await createEmbeddedDatabase()
    await runCreateSourceSchema(t.db)
  })
  after(() => t.drop())

  it('declare the same tables, columns and keys', async () => {
    const columns = await t.db.query<{
      table: string
      name: string
      type: string
      nullable: string
      udt: string
    }>(
      `SELECT table_name AS table, column_name AS name, data_type AS type, is_nullable AS nullable, udt_name AS udt
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    )
    const labels = await t.db.query<{ udt: string; label: string }>(
      `SELECT t.typname AS udt, e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
        ORDER BY t.typname, e.enumsortorder`,
    )
    const keys = await t.db.query<{ table: string; column: string }>(
      `SELECT tc.table_name AS table, kcu.column_name AS column
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
        WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY'`,
    )
    const fromSql = [...new Set(columns.map((c) => c.table))].sort().map((table) => ({
      name: table,
      primaryKey: keys.find((k) => k.table === table)?.column,
      columns: columns
        .filter((c) => c.table === table)
        .map((c) => {
          const type = TYPE_OF[c.type]
          const values = labels.filter((l) => l.udt === c.udt).map((l) => l.label)
          return {
            name: c.name,
            type,
            nullable: c.nullable === 'YES',
            ...(type === 'enum' ? { values } : {}),
          }
        }),
    }))
    const declared = [...SOURCE_CATALOGUE]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((d) => ({
        ...d,
        columns: d.columns.map((c) => ({ ...c, ...(c.values ? { values: [...c.values] } : {}) })),
      }))
    assert.deepEqual(fromSql, declared)
  })
})
