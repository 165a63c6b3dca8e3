/**
 * The manifests of an extension stream: the ingestion one (raw files landed, what was held back at the
 * door) and the processed one (parquet per extension table). Same role as the core manifests: a batch
 * exists only once its manifest does. Stored as snake_case JSON, parsed at the edge.
 */
import { z } from 'zod'
import { naiveTimestampJson } from '../core/ingestion-manifest.ts'

export const STREAM_INGESTION_FORMAT = 'totesys-etl.stream-ingestion/1'
export const STREAM_PROCESSED_FORMAT = 'totesys-etl.stream-processed/1'

export interface StreamFile {
  /** The landed raw file in the ingestion store. */
  readonly key: string
  /** Where it came from: the external object key, or the provider request. */
  readonly source: string
  /** The external object's ETag (or content hash) when it came from a bucket or folder. */
  readonly sourceEtag: string | null
  readonly bytes: number
  /** SHA-256 of the landed bytes. */
  readonly sha256: string
}

export interface StreamIngestionManifest {
  readonly format: typeof STREAM_INGESTION_FORMAT
  readonly stream: string
  readonly batchId: string
  /** When the batch was landed (naive UTC). */
  readonly createdAt: string
  readonly files: readonly StreamFile[]
  /** Source objects taken but held back whole (quarantine entry ids); they count as picked up. */
  readonly heldFiles: readonly {
    readonly source: string
    readonly sourceEtag: string | null
    readonly entryId: string
  }[]
  /** Stream-specific facts (the FX range and currencies, a dataset's schema version). */
  readonly meta: Readonly<Record<string, unknown>>
}

export interface StreamTableEntry {
  readonly table: string
  readonly key: string | null
  readonly rows: number
  readonly sha256: string | null
}

export interface StreamProcessedManifest {
  readonly format: typeof STREAM_PROCESSED_FORMAT
  readonly stream: string
  readonly batchId: string
  readonly sourceCreatedAt: string
  readonly tables: readonly StreamTableEntry[]
  /** Quarantine entry ids of this batch (held files and held records). */
  readonly quarantined: readonly string[]
  /** The stream-specific facts of the ingestion batch, carried over (the load needs a dataset's schema). */
  readonly meta: Readonly<Record<string, unknown>>
}

const timestamp = naiveTimestampJson
const batchId = z.string().regex(/^\d{10}$/)

const ingestionJson = z.object({
  format: z.literal(STREAM_INGESTION_FORMAT),
  stream: z.string(),
  batch_id: batchId,
  created_at: timestamp,
  files: z.array(
    z.object({
      key: z.string(),
      source: z.string(),
      source_etag: z.string().nullable(),
      bytes: z.number().int().nonnegative(),
      sha256: z.string(),
    }),
  ),
  held_files: z.array(
    z.object({ source: z.string(), source_etag: z.string().nullable(), entry_id: z.string() }),
  ),
  meta: z.record(z.string(), z.unknown()),
})

const processedJson = z.object({
  format: z.literal(STREAM_PROCESSED_FORMAT),
  stream: z.string(),
  batch_id: batchId,
  source_created_at: timestamp,
  tables: z.array(
    z.object({
      table: z.string(),
      key: z.string().nullable(),
      rows: z.number().int().nonnegative(),
      sha256: z.string().nullable(),
    }),
  ),
  quarantined: z.array(z.string()),
  meta: z.record(z.string(), z.unknown()),
})

/** Parses a stream's ingestion manifest; throws a ZodError naming the bad field. */
export function parseStreamIngestionManifest(text: string): StreamIngestionManifest {
  const j = ingestionJson.parse(JSON.parse(text))
  return {
    format: j.format,
    stream: j.stream,
    batchId: j.batch_id,
    createdAt: j.created_at,
    files: j.files.map((f) => ({
      key: f.key,
      source: f.source,
      sourceEtag: f.source_etag,
      bytes: f.bytes,
      sha256: f.sha256,
    })),
    heldFiles: j.held_files.map((h) => ({
      source: h.source,
      sourceEtag: h.source_etag,
      entryId: h.entry_id,
    })),
    meta: j.meta,
  }
}

/** The ingestion manifest as stored. */
export function toStreamIngestionManifestJson(m: StreamIngestionManifest): string {
  return `${JSON.stringify(
    {
      format: m.format,
      stream: m.stream,
      batch_id: m.batchId,
      created_at: m.createdAt,
      files: m.files.map((f) => ({
        key: f.key,
        source: f.source,
        source_etag: f.sourceEtag,
        bytes: f.bytes,
        sha256: f.sha256,
      })),
      held_files: m.heldFiles.map((h) => ({
        source: h.source,
        source_etag: h.sourceEtag,
        entry_id: h.entryId,
      })),
      meta: m.meta,
    },
    null,
    1,
  )}\n`
}

/** Parses a stream's processed manifest. */
export function parseStreamProcessedManifest(text: string): StreamProcessedManifest {
  const j = processedJson.parse(JSON.parse(text))
  return {
    format: j.format,
    stream: j.stream,
    batchId: j.batch_id,
    sourceCreatedAt: j.source_created_at,
    tables: j.tables,
    quarantined: j.quarantined,
    meta: j.meta,
  }
}

/** The processed manifest as stored. */
export function toStreamProcessedManifestJson(m: StreamProcessedManifest): string {
  return `${JSON.stringify(
    {
      format: m.format,
      stream: m.stream,
      batch_id: m.batchId,
      source_created_at: m.sourceCreatedAt,
      tables: m.tables,
      quarantined: m.quarantined,
      meta: m.meta,
    },
    null,
    1,
  )}\n`
}
