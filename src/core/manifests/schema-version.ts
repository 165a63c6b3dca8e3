/**
 * A version of a source table's registered schema, stored as `_schemas/<table>/v<N>.json` in the
 * ingestion store (see transform/schema-registry.ts).
 */
import { z } from 'zod'
import { SOURCE_TABLES, SOURCE_TYPES } from '../source-catalogue.ts'
import { type Decoded, defineCodec } from './codec.ts'

export const schemaVersionJson = z.object({
  table: z.enum(SOURCE_TABLES),
  version: z.number().int().positive(),
  columns: z.array(
    z.object({
      name: z.string(),
      type: z.enum([...SOURCE_TYPES, 'other']),
      nullable: z.boolean(),
      /** Allowed labels of an enum column. */
      values: z.array(z.string()).optional(),
    }),
  ),
  /** Source column name → the catalogue name the transform reads it as (a rename accepted by a person). */
  renames: z.record(z.string(), z.string()),
  /** Why this version exists: 'catalogue', 'compatible drift in batch N', 'accepted by schema accept'. */
  reason: z.string(),
})

export type SchemaVersion = Decoded<typeof schemaVersionJson>
export type SchemaColumn = SchemaVersion['columns'][number]

export const SCHEMA_VERSION = defineCodec(
  'schema version',
  schemaVersionJson,
  "restore it from the store's object versions, or remove it (the version before it then applies; 'totesys-etl schema list' shows them) and run again",
)
