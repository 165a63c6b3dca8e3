/**
 * Quarantine entries: what was held back, why, and where the held bytes are. The source tables' entries
 * live under `_quarantine/` of the ingestion store, a stream's under `ext/<stream>/_quarantine/`. Markers
 * next to an entry record what became of it: replayed (by which batch) or discarded (by whom, why).
 */
import { z } from 'zod'
import { SOURCE_TABLES } from '../source-catalogue.ts'
import { type Decoded, defineCodec } from './codec.ts'
import { naiveTimestampJson, observedColumnJson } from './ingestion.ts'

const timestamp = naiveTimestampJson

export const quarantineEntryJson = z.object({
  id: z.string(),
  batch_id: z.string(),
  table: z.enum(SOURCE_TABLES),
  /** 'table': the whole slice (a needed column missing or retyped); 'rows': some rows failed checks. */
  level: z.enum(['table', 'rows']),
  reason: z.string(),
  reasons: z.array(z.object({ reason: z.string(), rows: z.number().int() })),
  rows: z.number().int().nonnegative(),
  /** The held rows: gzip'd CSV with a header, exactly the ingestion format, columns as observed. */
  data_key: z.string(),
  bytes: z.number().int().nonnegative(),
  /** SHA-256 of the uncompressed CSV. */
  sha256: z.string().nullable(),
  columns: z.array(observedColumnJson),
  schema_fingerprint: z.string(),
  min_last_updated: timestamp.nullable(),
  max_last_updated: timestamp.nullable(),
  /** Up to 20 held rows as text, each with its `_reason`. */
  sample: z.array(z.record(z.string(), z.string().nullable())),
})

export const streamQuarantineEntryJson = z.object({
  id: z.string(),
  stream: z.string(),
  batch_id: z.string(),
  /** file: a whole source file or response; records: some records of landed files. */
  level: z.enum(['file', 'records']),
  reason: z.string(),
  reasons: z.array(z.object({ reason: z.string(), records: z.number().int() })),
  records: z.number().int().nonnegative(),
  /** Where it came from (external key, provider request). */
  source: z.string(),
  /** The held bytes (the original file, or JSON Lines of the held records with their reason). */
  data_key: z.string().nullable(),
  sample: z.array(z.unknown()),
})

/** `<entry-id>.replayed.json`: the ingestion batch that re-submitted the entry's rows. */
export const replayedMarkerJson = z.object({ replay_batch_id: z.string() })

/** `<entry-id>.discarded.json`: an entry an operator gave up on (its rows will never load), and why. */
export const discardedMarkerJson = z.object({
  discarded_at: z.string(),
  reason: z.string(),
  /** Who ran the command (the OS user), for the record. */
  by: z.string(),
})

export type QuarantineEntry = Decoded<typeof quarantineEntryJson>
export type StreamQuarantineEntry = Decoded<typeof streamQuarantineEntryJson>
export type DiscardedMarker = Decoded<typeof discardedMarkerJson>

const KEEP =
  "the rows it describes are still in the batch's file; remove the entry and re-run the transform of that batch ('transform --batch <id> --redo') to write it again"

export const QUARANTINE_ENTRY = defineCodec('quarantine entry', quarantineEntryJson, KEEP)
export const STREAM_QUARANTINE_ENTRY = defineCodec(
  'stream quarantine entry',
  streamQuarantineEntryJson,
  "restore it from the store's object versions or remove it (the held bytes beside it stay)",
)
export const REPLAYED_MARKER = defineCodec(
  'quarantine replay marker',
  replayedMarkerJson,
  "restore it from the store's object versions, or rewrite it with the replay batch id",
)
export const DISCARDED_MARKER = defineCodec(
  'quarantine discard marker',
  discardedMarkerJson,
  "remove it to hold the entry again, or run 'quarantine discard' again",
)
