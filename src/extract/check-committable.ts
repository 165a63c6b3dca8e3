/**
 * Every value the extract writes into a manifest is checked, before the commit, against the codec every
 * later run reads it with: a value the source can hold but the manifest cannot (a stamp PostgreSQL prints
 * as `infinity`, say) must fail that one table's read, never commit a manifest no run can parse.
 */

import { DataError } from '../core/errors.ts'
import { FAST_UNSURE, toDecoders } from '../core/manifests/codec.ts'
import {
  INGESTION_FORMAT,
  INGESTION_MANIFEST,
  type IngestionManifest,
  type IngestionTableEntry,
  type TableCursor,
} from '../core/manifests/ingestion.ts'
import { SOURCE_TABLES, type SourceTable } from '../core/source-catalogue.ts'
import { isParsedEdge, recordParsedEdges } from './parsed-edges.ts'
import { INITIAL_CURSOR, type TableRead } from './plan-cursor.ts'

const INGESTION_DECODERS = toDecoders(INGESTION_MANIFEST.schema)

/** The cursor without its edge when the edge is known to parse (parsed-edges.ts). */
function toUnparsedPart(cursor: TableCursor): TableCursor {
  return isParsedEdge(cursor.edge) ? { ...cursor, edge: [] } : cursor
}

/** Why a manifest's text does not parse back, in one line (the codec's first complaint), or null. */
export function toManifestProblem(manifest: IngestionManifest): string | null {
  // The codec's own check on the stored form (its fast decoder, then its schema for the complaint,
  // without the reader's repair advice).
  // Printed without the stored text's indentation: the same JSON value, in less time.
  const stored: unknown = JSON.parse(JSON.stringify(INGESTION_MANIFEST.toStored(manifest)))
  if (INGESTION_DECODERS.fast !== null && INGESTION_DECODERS.fast(stored) !== FAST_UNSURE) return null
  const result = INGESTION_MANIFEST.schema.safeParse(stored)
  if (result.success) return null
  const first = result.error.issues[0]
  return first ? `${first.path.map(String).join('.')}: ${first.message}` : 'it does not fit its format'
}

/**
 * A manifest the reader would reject is never committed: a DataError before the commit. Cursor edges
 * already known to parse are left out of the probe (parsed-edges.ts).
 */
export function assertManifestCommittable(manifest: IngestionManifest): void {
  const cursors = Object.fromEntries(
    Object.entries(manifest.cursors).map(([table, cursor]) => [table, toUnparsedPart(cursor)]),
  ) as IngestionManifest['cursors']
  const problem = toManifestProblem({ ...manifest, cursors })
  if (problem !== null)
    throw new DataError(
      `batch ${manifest.batchId}: the manifest would not parse (${problem}); nothing was committed`,
      { stage: 'extract', batchId: manifest.batchId },
    )
}

/**
 * Throws a DataError naming the table and the field when its entry or next cursor would not parse; the
 * cursor's edge is known to parse after it. With `from`, the previous cursor and the read the cursor was
 * made of (toNextCursor), and an edge of the previous cursor known to parse, only the read's keys are
 * probed: the next edge holds no key but the previous edge's and the read's.
 */
export function assertTableCommittable(
  batch: Pick<IngestionManifest, 'batchId' | 'createdAt' | 'lagMs'>,
  entry: IngestionTableEntry,
  cursor: TableCursor,
  from?: { readonly previous: TableCursor; readonly read: TableRead },
): void {
  const cursors = Object.fromEntries(SOURCE_TABLES.map((t) => [t, INITIAL_CURSOR])) as Record<
    SourceTable,
    TableCursor
  >
  cursors[entry.table] =
    from && isParsedEdge(from.previous.edge)
      ? { ...cursor, edge: [...from.read.edge, ...from.read.offAxis] }
      : toUnparsedPart(cursor)
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
  recordParsedEdges([cursor])
}
