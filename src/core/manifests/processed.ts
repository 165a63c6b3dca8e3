/**
 * The processed batch manifest: the commit point of a transform, one per ingestion batch (same batch id),
 * stored as `_manifests/<batch-id>.json` in the processed store. The load reads only these.
 */
import { z } from 'zod'
import { SOURCE_TABLES } from '../source-catalogue.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from '../warehouse-catalogue.ts'
import { type Decoded, defineCodec } from './codec.ts'
import { batchIdJson, naiveTimestampJson } from './ingestion.ts'

export const PROCESSED_FORMAT = 'totesys-etl.processed/1'

const tableEntryJson = z.object({
  table: z.enum(WAREHOUSE_TABLES as [WarehouseTable, ...WarehouseTable[]]),
  /** The parquet file, or null when the batch has no rows for this table. */
  key: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  /** SHA-256 of the parquet file's bytes. */
  sha256: z.string().nullable(),
})

export const processedManifestJson = z.object({
  format: z.literal(PROCESSED_FORMAT),
  /** Equal to the ingestion batch id it was made from. */
  batch_id: batchIdJson,
  /** When the source batch was read (the ingestion manifest's createdAt, naive UTC). */
  source_created_at: naiveTimestampJson,
  /** Per source table, the newest `last_updated` the batch holds (what the warehouse is fresh up to). */
  watermarks: z.partialRecord(z.enum(SOURCE_TABLES), naiveTimestampJson),
  tables: z.array(tableEntryJson),
  /** Ids of the quarantine entries this batch produced (rows held back, with their reasons). */
  quarantined: z.array(z.string()),
})

export type ProcessedTableEntry = Decoded<typeof tableEntryJson>
export type ProcessedManifest = Decoded<typeof processedManifestJson>

export const PROCESSED_MANIFEST = defineCodec(
  'processed manifest',
  processedManifestJson,
  "run 'totesys-etl transform --batch <id> --redo' to rebuild it from the lake",
)
