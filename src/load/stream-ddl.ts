/**
 * The DDL of the stream tables and of the stream ledger, derived from their declarations (pure), and
 * the stream tables as the batch loader sees them.
 */

import { quoteIdent } from '../core/sql-ident.ts'
import { duckPatternOfStream, type StreamTable } from '../core/stream-catalogue.ts'
import type { LoadTable } from './load-target.ts'
import type { MergeTable } from './plan-merge.ts'

/** The ledger of loaded stream batches: one row per (stream, batch), next to etl.load_ledger. */
export const STREAM_LEDGER_DDL = `
CREATE SCHEMA IF NOT EXISTS etl;
CREATE TABLE IF NOT EXISTS etl.stream_ledger (
  stream            text NOT NULL,
  batch_id          text NOT NULL,
  loaded_at         timestamptz NOT NULL DEFAULT now(),
  source_created_at timestamp NOT NULL,
  rows              jsonb NOT NULL,
  PRIMARY KEY (stream, batch_id)
);
`

/** CREATE TABLE IF NOT EXISTS for a stream table: its columns, primary key and foreign keys. */
export function toStreamTableDdl(table: StreamTable): string {
  const columns = table.columns.map(
    (c) =>
      `  ${quoteIdent(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}${
        c.references
          ? ` REFERENCES ${quoteIdent(c.references.table)} (${quoteIdent(c.references.column)})`
          : ''
      }`,
  )
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table.name)} (\n${columns.join(',\n')},\n  PRIMARY KEY (${table.key.map(quoteIdent).join(', ')})\n)`
}

/** ADD COLUMN IF NOT EXISTS for the nullable columns: a later schema version's additions reach an existing table. */
export function toAddColumnsDdl(table: StreamTable): string[] {
  return table.columns
    .filter((c) => c.nullable)
    .map(
      (c) => `ALTER TABLE ${quoteIdent(table.name)} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${c.type}`,
    )
}

/** An stream table for the merge builders: upsert tables merge like dims, append tables like facts. */
export function toStreamMergeTable(table: StreamTable): MergeTable {
  return {
    name: table.name,
    kind: table.load === 'upsert' ? 'dim' : 'fact',
    key: table.key,
    columns: table.columns.map((c) => ({ name: c.name, pgType: c.type })),
  }
}

/** An stream table for the batch loader: its merge, its name, the parquet columns its files hold. */
export function toStreamLoadTable(table: StreamTable): LoadTable {
  return {
    merge: toStreamMergeTable(table),
    physical: table.name,
    parquet: table.columns.map((c) => ({
      name: c.name,
      type: c.type,
      pattern: duckPatternOfStream(c.type),
    })),
  }
}

/** What the warehouse already holds of a stream's tables: whether the ledger exists, each table's columns. */
export interface ExistingStreamTables {
  readonly ledger: boolean
  readonly columns: ReadonlyMap<string, ReadonlySet<string>>
}

/**
 * Only the DDL the warehouse lacks: the ledger, the missing tables, the nullable columns a later schema
 * version added. Empty when everything exists, so a role without CREATE (or not owning the tables) loads.
 */
export function planStreamTablesDdl(
  tables: readonly StreamTable[],
  existing: ExistingStreamTables,
): string[] {
  const ddl = existing.ledger ? [] : [STREAM_LEDGER_DDL]
  for (const table of tables) {
    const columns = existing.columns.get(table.name)
    if (!columns) ddl.push(toStreamTableDdl(table))
    else
      ddl.push(...toAddColumnsDdl({ ...table, columns: table.columns.filter((c) => !columns.has(c.name)) }))
  }
  return ddl
}
