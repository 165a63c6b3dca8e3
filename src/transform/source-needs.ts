/**
 * What the transform needs from each source table, as declared in SOURCE_DECLARATION: the columns the
 * warehouse uses, how each is typed on the way in, whether the warehouse requires a value, and which other
 * table each key must exist in. Everything else a source table carries (contacts, account numbers,
 * created_at of lookups) is not needed, so its drift never blocks a batch.
 */
import {
  type ColumnNeed,
  SOURCE_DECLARATION,
  type SourceTable,
  type StageType,
} from '../core/source-catalogue.ts'

export interface NeededColumn extends ColumnNeed {
  readonly name: string
}

export interface SourceNeeds {
  readonly table: SourceTable
  readonly primaryKey: string
  readonly columns: readonly NeededColumn[]
  /** Lookup tables keep a current-state snapshot; facts are appended as they come. */
  readonly kind: 'lookup' | 'fact'
}

/** In dependency order (the declaration's): a table's references are always processed before it. */
export const SOURCE_NEEDS: readonly SourceNeeds[] = (Object.keys(SOURCE_DECLARATION) as SourceTable[]).map(
  (table) => {
    const { primaryKey, kind, columns } = SOURCE_DECLARATION[table]
    return {
      table,
      primaryKey,
      kind,
      columns: columns.flatMap((c) => (c.need ? [{ name: c.name, ...c.need }] : [])),
    }
  },
)

/** The needs of one source table. */
export function sourceNeeds(table: SourceTable): SourceNeeds {
  const needs = SOURCE_NEEDS.find((n) => n.table === table)
  if (!needs) throw new Error(`no transform needs declared for ${table}`)
  return needs
}

/** The lookup tables whose current state the transform keeps between batches. */
export const STATE_TABLES: readonly SourceTable[] = SOURCE_NEEDS.filter((n) => n.kind === 'lookup').map(
  (n) => n.table,
)

/** The DuckDB type a staged column gets. */
export function duckTypeOf(stage: StageType): string {
  switch (stage) {
    case 'int':
      return 'INTEGER'
    case 'timestamp':
      return 'TIMESTAMP'
    case 'money':
      return 'DECIMAL(10,2)'
    case 'bool':
      return 'BOOLEAN'
    case 'date':
      return 'DATE'
    default:
      return 'VARCHAR'
  }
}
