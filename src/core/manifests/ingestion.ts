/**
 * The ingestion batch manifest: the commit point of an extract (and of a quarantine replay), stored as
 * `_manifests/<batch-id>.json` in the ingestion store.
 */
import { z } from 'zod'
import { SOURCE_TABLES, SOURCE_TYPES } from '../source-catalogue.ts'
import { type Decoded, defineCodec } from './codec.ts'

export const INGESTION_FORMAT = 'totesys-etl.ingestion/1'

/** A naive UTC timestamp as the stores' JSON holds it. */
export const naiveTimestampJson = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/)
/** A batch id: a zero-padded sequence number. */
export const batchIdJson = z.string().regex(/^\d{10}$/)
const timestamp = naiveTimestampJson
const table = z.enum(SOURCE_TABLES)

/** A column as the source had it when the batch was read. */
export const observedColumnJson = z.object({
  name: z.string(),
  /** Normalised type, or 'other' for a type outside the catalogue's vocabulary. */
  type: z.enum([...SOURCE_TYPES, 'other']),
  /** PostgreSQL's own spelling, e.g. `numeric(10,2)`, `timestamp(3) without time zone`. */
  pg_type: z.string(),
  nullable: z.boolean(),
})

/**
 * PostgreSQL's ISO text of a `last_updated` the cursor cannot order (infinities, BC, years past 9999):
 * such keys stay in a cursor's edge so their version is read once (see src/extract/plan-cursor.ts).
 */
export const OFF_AXIS_STAMP = /^(?:-?infinity|\d{4,7}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?: BC)?)$/
const edgeStamp = z.union([timestamp, z.string().regex(OFF_AXIS_STAMP)])

/** Cursor state per table: the high-water mark and the keys already read near it (docs/ARCHITECTURE.md). */
const cursorJson = z.object({
  /** Largest `last_updated` extracted so far, never past the source's clock, or null before the first row. */
  hi: timestamp.nullable(),
  /**
   * `[primary key, last_updated]` of every row extracted with `last_updated >= hi - lag`, then of every
   * row still stamped off the time axis (`infinity`, BC, after 9999: PostgreSQL's text of the stamp).
   */
  edge: z.array(z.tuple([z.number().int(), edgeStamp])),
})

const tableEntryJson = z.object({
  table,
  /** The data file (gzip'd COPY CSV with a header), or null when the batch has no rows of this table. */
  key: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  /** Compressed size of the file. */
  bytes: z.number().int().nonnegative(),
  /** SHA-256 of the uncompressed CSV: every reader checks the file against it. */
  sha256: z.string().nullable(),
  min_last_updated: timestamp.nullable(),
  max_last_updated: timestamp.nullable(),
  columns: z.array(observedColumnJson),
  schema_fingerprint: z.string(),
})

export const ingestionManifestJson = z.object({
  format: z.literal(INGESTION_FORMAT),
  batch_id: batchIdJson,
  /** The source's clock when the batch's snapshot was taken (naive UTC). */
  created_at: timestamp,
  lag_ms: z.number().int().nonnegative(),
  tables: z.array(tableEntryJson),
  /** Tables the extract could not read this time, with the reason (their cursors did not move). */
  failed_tables: z.array(z.object({ table, reason: z.string() })),
  cursors: z.record(table, cursorJson),
  /** Set only on a batch written by `quarantine replay`: the quarantine entry ids whose rows it re-submits. */
  replay_of: z.array(z.string()).optional(),
})

export type ObservedColumn = Decoded<typeof observedColumnJson>
export type TableCursor = Decoded<typeof cursorJson>
export type IngestionTableEntry = Decoded<typeof tableEntryJson>
export type IngestionManifest = Decoded<typeof ingestionManifestJson>

export const INGESTION_MANIFEST = defineCodec(
  'ingestion manifest',
  ingestionManifestJson,
  "restore it from the store's object versions; failing that, and only if it is the latest batch, remove it (the batch then does not exist and the next extract reads its changes again; docs/OPERATIONS.md, 'The lake')",
)
