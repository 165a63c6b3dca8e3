/**
 * The ingestion batch manifest: the commit point of an extract. Files are snake_case JSON; parsed
 * (untrusted) at the edge into these types.
 */
import { z } from 'zod'
import { SOURCE_TABLES, SOURCE_TYPES, type SourceTable, type SourceType } from './catalogue.ts'

export const INGESTION_FORMAT = 'totesys-etl.ingestion/1'

/** A column as the source had it when the batch was read. */
export interface ObservedColumn {
  readonly name: string
  /** Normalised type, or 'other' for a type outside the catalogue's vocabulary. */
  readonly type: SourceType | 'other'
  /** PostgreSQL's own spelling, e.g. `numeric(10,2)`, `timestamp(3) without time zone`. */
  readonly pgType: string
  readonly nullable: boolean
}

/** Cursor state per table: the high-water mark and the keys already read near it (see docs/ARCHITECTURE.md). */
export interface TableCursor {
  /** Largest `last_updated` extracted so far, `YYYY-MM-DD HH:MM:SS.mmm`, or null before the first row. */
  readonly hi: string | null
  /**
   * `[primary key, last_updated]` of every row extracted with `last_updated >= hi - lag`, then of every
   * row still stamped off the time axis (`infinity`, BC, after 9999: PostgreSQL's text of the stamp).
   */
  readonly edge: readonly (readonly [number, string])[]
}

export interface IngestionTableEntry {
  readonly table: SourceTable
  /** The data file (gzip'd COPY CSV with a header), or null when the batch has no rows of this table. */
  readonly key: string | null
  readonly rows: number
  /** Compressed size of the file. */
  readonly bytes: number
  /** SHA-256 of the uncompressed CSV. */
  readonly sha256: string | null
  readonly minLastUpdated: string | null
  readonly maxLastUpdated: string | null
  readonly columns: readonly ObservedColumn[]
  readonly schemaFingerprint: string
}

export interface IngestionManifest {
  readonly format: typeof INGESTION_FORMAT
  readonly batchId: string
  /** The source's clock when the batch's snapshot was taken (naive UTC). */
  readonly createdAt: string
  readonly lagMs: number
  readonly tables: readonly IngestionTableEntry[]
  /** Tables the extract could not read this time, with the reason (their cursors did not move). */
  readonly failedTables: readonly { readonly table: SourceTable; readonly reason: string }[]
  readonly cursors: Readonly<Record<SourceTable, TableCursor>>
  /** Set only on a batch written by `quarantine replay`: the quarantine entry ids whose rows it re-submits. */
  readonly replayOf?: readonly string[]
}

/** A naive UTC timestamp as the stores' JSON holds it. */
export const naiveTimestampJson = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/)
const timestamp = naiveTimestampJson

/**
 * PostgreSQL's ISO text of a `last_updated` the cursor cannot order (infinities, BC, years past 9999):
 * such keys stay in a cursor's edge so their version is read once (see src/extract/plan-cursor.ts).
 */
export const OFF_AXIS_STAMP = /^(?:-?infinity|\d{4,7}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?: BC)?)$/
const edgeStamp = z.union([timestamp, z.string().regex(OFF_AXIS_STAMP)])

/** An observed column as the stores' JSON holds it (snake_case). */
export const observedColumnJson = z.object({
  name: z.string(),
  type: z.enum([...SOURCE_TYPES, 'other']),
  pg_type: z.string(),
  nullable: z.boolean(),
})

/** An observed column from its JSON form. */
export function fromObservedColumnJson(c: z.infer<typeof observedColumnJson>): ObservedColumn {
  return { name: c.name, type: c.type, pgType: c.pg_type, nullable: c.nullable }
}

/** An observed column in its JSON form. */
export function toObservedColumnJson(c: ObservedColumn): z.infer<typeof observedColumnJson> {
  return { name: c.name, type: c.type, pg_type: c.pgType, nullable: c.nullable }
}
const table = z.enum(SOURCE_TABLES)

const manifestJson = z.object({
  format: z.literal(INGESTION_FORMAT),
  batch_id: z.string().regex(/^\d{10}$/),
  created_at: timestamp,
  lag_ms: z.number().int().nonnegative(),
  tables: z.array(
    z.object({
      table,
      key: z.string().nullable(),
      rows: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      sha256: z.string().nullable(),
      min_last_updated: timestamp.nullable(),
      max_last_updated: timestamp.nullable(),
      columns: z.array(observedColumnJson),
      schema_fingerprint: z.string(),
    }),
  ),
  failed_tables: z.array(z.object({ table, reason: z.string() })),
  cursors: z.record(
    table,
    z.object({ hi: timestamp.nullable(), edge: z.array(z.tuple([z.number().int(), edgeStamp])) }),
  ),
  replay_of: z.array(z.string()).optional(),
})

/** Parses a manifest read from the store; throws a ZodError naming the bad field. */
export function parseIngestionManifest(text: string): IngestionManifest {
  const json = manifestJson.parse(JSON.parse(text))
  return {
    format: json.format,
    batchId: json.batch_id,
    createdAt: json.created_at,
    lagMs: json.lag_ms,
    tables: json.tables.map((t) => ({
      table: t.table,
      key: t.key,
      rows: t.rows,
      bytes: t.bytes,
      sha256: t.sha256,
      minLastUpdated: t.min_last_updated,
      maxLastUpdated: t.max_last_updated,
      columns: t.columns.map((c) => ({
        name: c.name,
        type: c.type,
        pgType: c.pg_type,
        nullable: c.nullable,
      })),
      schemaFingerprint: t.schema_fingerprint,
    })),
    failedTables: json.failed_tables,
    cursors: json.cursors as Record<SourceTable, TableCursor>,
    ...(json.replay_of ? { replayOf: json.replay_of } : {}),
  }
}

/** The manifest as the JSON text stored. */
export function toIngestionManifestJson(m: IngestionManifest): string {
  return `${JSON.stringify(
    {
      format: m.format,
      batch_id: m.batchId,
      created_at: m.createdAt,
      lag_ms: m.lagMs,
      tables: m.tables.map((t) => ({
        table: t.table,
        key: t.key,
        rows: t.rows,
        bytes: t.bytes,
        sha256: t.sha256,
        min_last_updated: t.minLastUpdated,
        max_last_updated: t.maxLastUpdated,
        columns: t.columns.map((c) => ({
          name: c.name,
          type: c.type,
          pg_type: c.pgType,
          nullable: c.nullable,
        })),
        schema_fingerprint: t.schemaFingerprint,
      })),
      failed_tables: m.failedTables,
      cursors: m.cursors,
      ...(m.replayOf ? { replay_of: m.replayOf } : {}),
    },
    null,
    1,
  )}\n`
}
