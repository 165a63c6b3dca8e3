/**
 * Every value the extract writes into a manifest is checked, before the commit, against the codec every
 * later run reads it with: a value the source can hold but the manifest cannot (a stamp PostgreSQL prints
 * as `infinity`, say) must fail that one table's read, never commit a manifest no run can parse.
 */
import { SOURCE_TABLES, type SourceTable } from '../core/catalogue.ts'
import { DataError } from '../core/errors.ts'
import {
  INGESTION_FORMAT,
  type IngestionManifest,
  type IngestionTableEntry,
  parseIngestionManifest,
  type TableCursor,
  toIngestionManifestJson,
} from '../core/ingestion-manifest.ts'
import { INITIAL_CURSOR } from './plan-cursor.ts'

/** Why a manifest's text does not parse back, in one line (the codec's first complaint), or null. */
export function toManifestProblem(manifest: IngestionManifest): string | null {
  try {
    parseIngestionManifest(toIngestionManifestJson(manifest))
    return null
  } catch (error) {
    const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues
    const first = issues?.[0]
    if (first) return `${first.path.map(String).join('.')}: ${first.message}`
    return error instanceof Error ? error.message : String(error)
  }
}

/** Throws a DataError naming the table and the field when its entry or next cursor would not parse. */
export function assertTableCommittable(
  batch: Pick<IngestionManifest, 'batchId' | 'createdAt' | 'lagMs'>,
  entry: IngestionTableEntry,
  cursor: TableCursor,
): void {
  const cursors = Object.fromEntries(SOURCE_TABLES.map((t) => [t, INITIAL_CURSOR])) as Record<
    SourceTable,
    TableCursor
  >
  cursors[entry.table] = cursor
  const probe: IngestionManifest = {
    format: INGESTION_FORMAT,
    ...batch,
    tables: [entry],
    failedTables: [],
    cursors,
  }
  const problem = toManifestProblem(probe)
  if (problem !== null) {
    throw new DataError(
      `table ${entry.table} read a value the ingestion manifest cannot hold (${problem}); the table is left for the next run and its cursor stays where it was`,
      { stage: 'extract', table: entry.table, batchId: batch.batchId },
    )
  }
}
