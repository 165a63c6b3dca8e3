/** Turns the source's own column listing into the manifest's observed columns and fingerprint. Pure. */
import { createHash } from 'node:crypto'
import type { ObservedColumn } from '../core/manifests/ingestion.ts'
import { SOURCE_TYPES, type SourceType } from '../core/source-catalogue.ts'

/** A row of COLUMNS_SQL. */
export interface ColumnRow {
  readonly name: string
  readonly pg_type: string
  readonly type_name: string
  readonly type_kind: string
  readonly nullable: boolean
}

const ALIASES: Readonly<Record<string, SourceType>> = { bpchar: 'varchar' }

/** The normalised type of a source column: an enum by kind, else its type name if the catalogue knows it. */
export function toObservedColumn(row: ColumnRow): ObservedColumn {
  const known = (SOURCE_TYPES as readonly string[]).includes(row.type_name)
  const type: SourceType | 'other' =
    row.type_kind === 'e'
      ? 'enum'
      : known
        ? (row.type_name as SourceType)
        : (ALIASES[row.type_name] ?? 'other')
  return { name: row.name, type, pgType: row.pg_type, nullable: row.nullable }
}

/** A short stable fingerprint of a table's shape: changes when a column is added, renamed or retyped. */
export function toSchemaFingerprint(columns: readonly ObservedColumn[]): string {
  const text = columns.map((c) => `${c.name}:${c.pgType}:${c.nullable ? 'null' : 'not null'}`).join(',')
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}
