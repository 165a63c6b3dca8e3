/**
 * The processed batch manifest: the commit point of a transform, one per ingestion batch (same batch id).
 * The load reads only these.
 */
import { z } from 'zod'
import { SOURCE_TABLES, type SourceTable } from './catalogue.ts'
import { naiveTimestampJson } from './ingestion-manifest.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from './warehouse-catalogue.ts'

export const PROCESSED_FORMAT = 'totesys-etl.processed/1'

export interface ProcessedTableEntry {
  readonly table: WarehouseTable
  /** The parquet file, or null when the batch has no rows for this table. */
  readonly key: string | null
  readonly rows: number
  /** SHA-256 of the parquet file's bytes. */
  readonly sha256: string | null
}

export interface ProcessedManifest {
  readonly format: typeof PROCESSED_FORMAT
  /** Equal to the ingestion batch id it was made from. */
  readonly batchId: string
  /** When the source batch was read (the ingestion manifest's createdAt, naive UTC). */
  readonly sourceCreatedAt: string
  /** Per source table, the newest `last_updated` the batch holds (what the warehouse is fresh up to). */
  readonly watermarks: Readonly<Partial<Record<SourceTable, string>>>
  readonly tables: readonly ProcessedTableEntry[]
  /** Ids of the quarantine entries this batch produced (rows held back, with their reasons). */
  readonly quarantined: readonly string[]
}

const timestamp = naiveTimestampJson

const manifestJson = z.object({
  format: z.literal(PROCESSED_FORMAT),
  batch_id: z.string().regex(/^\d{10}$/),
  source_created_at: timestamp,
  watermarks: z.partialRecord(z.enum(SOURCE_TABLES), timestamp),
  tables: z.array(
    z.object({
      table: z.enum(WAREHOUSE_TABLES as [WarehouseTable, ...WarehouseTable[]]),
      key: z.string().nullable(),
      rows: z.number().int().nonnegative(),
      sha256: z.string().nullable(),
    }),
  ),
  quarantined: z.array(z.string()),
})

/** Parses a processed manifest read from the store. */
export function parseProcessedManifest(text: string): ProcessedManifest {
  const json = manifestJson.parse(JSON.parse(text))
  return {
    format: json.format,
    batchId: json.batch_id,
    sourceCreatedAt: json.source_created_at,
    watermarks: json.watermarks,
    tables: json.tables,
    quarantined: json.quarantined,
  }
}

/** The manifest as the JSON text stored. */
export function toProcessedManifestJson(m: ProcessedManifest): string {
  return `${JSON.stringify(
    {
      format: m.format,
      batch_id: m.batchId,
      source_created_at: m.sourceCreatedAt,
      watermarks: m.watermarks,
      tables: m.tables,
      quarantined: m.quarantined,
    },
    null,
    1,
  )}\n`
}
