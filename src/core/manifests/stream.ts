/**
 * The manifests of a stream (FX, datasets): the ingestion one (raw files landed, what was held back at
 * the door) and the processed one (parquet per table). Same role as the core manifests: a batch exists
 * only once its manifest does.
 */
import { z } from 'zod'
import { type Decoded, defineCodec } from './codec.ts'
import { batchIdJson, naiveTimestampJson } from './ingestion.ts'

export const STREAM_INGESTION_FORMAT = 'totesys-etl.stream-ingestion/1'
export const STREAM_PROCESSED_FORMAT = 'totesys-etl.stream-processed/1'

const streamFileJson = z.object({
  /** The landed raw file in the ingestion store. */
  key: z.string(),
  /** Where it came from: the external object key, or the provider request. */
  source: z.string(),
  /** The external object's ETag (or content hash) when it came from a bucket or folder. */
  source_etag: z.string().nullable(),
  bytes: z.number().int().nonnegative(),
  /** SHA-256 of the landed bytes: the transform checks each file against it before reading it. */
  sha256: z.string(),
})

export const streamIngestionManifestJson = z.object({
  format: z.literal(STREAM_INGESTION_FORMAT),
  stream: z.string(),
  batch_id: batchIdJson,
  /** When the batch was landed (naive UTC). */
  created_at: naiveTimestampJson,
  files: z.array(streamFileJson),
  /** Source objects taken but held back whole (quarantine entry ids); they count as picked up. */
  held_files: z.array(
    z.object({ source: z.string(), source_etag: z.string().nullable(), entry_id: z.string() }),
  ),
  /** Stream-specific facts (the FX range and currencies, a dataset's schema version). */
  meta: z.record(z.string(), z.unknown()),
})

const streamTableEntryJson = z.object({
  table: z.string(),
  key: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  sha256: z.string().nullable(),
})

export const streamProcessedManifestJson = z.object({
  format: z.literal(STREAM_PROCESSED_FORMAT),
  stream: z.string(),
  batch_id: batchIdJson,
  source_created_at: naiveTimestampJson,
  tables: z.array(streamTableEntryJson),
  /** Quarantine entry ids of this batch (held files and held records). */
  quarantined: z.array(z.string()),
  /** The stream-specific facts of the ingestion batch, carried over (the load needs a dataset's schema). */
  meta: z.record(z.string(), z.unknown()),
})

export type StreamFile = Decoded<typeof streamFileJson>
export type StreamIngestionManifest = Decoded<typeof streamIngestionManifestJson>
export type StreamTableEntry = Decoded<typeof streamTableEntryJson>
export type StreamProcessedManifest = Decoded<typeof streamProcessedManifestJson>

export const STREAM_INGESTION_MANIFEST = defineCodec(
  'stream ingestion manifest',
  streamIngestionManifestJson,
  "restore it from the store's object versions; failing that, remove it (its files are then picked up or fetched again)",
)

export const STREAM_PROCESSED_MANIFEST = defineCodec(
  'stream processed manifest',
  streamProcessedManifestJson,
  'remove it: the next run transforms the batch again from its landed files',
)
