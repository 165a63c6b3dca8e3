/**
 * The DATASETS setting: JSON describing each external JSON dataset (pure; config.ts calls it). A dataset
 * is configuration, not code: a name, where its files appear (s3://bucket/prefix or a folder), its
 * warehouse table, an optional key (rows are upserted on it; without one every record is appended once),
 * and its columns with types. Example:
 *
 *   [{"name": "weather", "source": "s3://partner-drop/weather", "key": ["station", "day"],
 *     "columns": [{"name": "station", "type": "text", "required": true},
 *                 {"name": "day", "type": "date", "required": true},
 *                 {"name": "rain_mm", "type": "numeric"}]}]
 */
import { resolve } from 'node:path'
import { z } from 'zod'
import { ConfigError } from './errors.ts'
import { RESERVED_TABLE_NAMES, STREAM_IDENTIFIER, STREAM_TYPES, type StreamType } from './stream-catalogue.ts'

export type DatasetLocation =
  | { readonly kind: 'folder'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }

export interface DatasetColumn {
  readonly name: string
  readonly type: StreamType
  readonly required: boolean
}

export interface DatasetConfig {
  readonly name: string
  readonly source: DatasetLocation
  /** The warehouse table; default `dataset_<name>`. */
  readonly table: string
  /** Upsert key; empty = append every record once. */
  readonly key: readonly string[]
  readonly columns: readonly DatasetColumn[]
  /** At most this many new files per run (default 100); the rest wait for the next run. */
  readonly maxFilesPerRun: number
  /** Files larger than this are held whole (default 64 MiB): they are read into memory. */
  readonly maxFileBytes: number
}

const identifier = z
  .string()
  .regex(STREAM_IDENTIFIER, 'must be a lower-case identifier: a letter, then letters, digits or _')

const datasetJson = z
  .object({
    name: identifier,
    source: z.string().min(1),
    table: identifier.optional(),
    key: z.array(z.string()).default([]),
    columns: z
      .array(
        z
          .object({
            name: identifier,
            type: z.enum(STREAM_TYPES),
            required: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
    max_files_per_run: z.number().int().positive().max(10_000).default(100),
    max_file_bytes: z
      .number()
      .int()
      .positive()
      .max(1024 ** 3)
      .default(64 * 1024 ** 2),
  })
  .strict()

/** Parses the DATASETS setting (unset = no datasets); throws ConfigError saying what is wrong where. */
export function parseDatasets(text: string | undefined): DatasetConfig[] {
  if (text === undefined || text.trim() === '') return []
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`DATASETS is not JSON: ${(error as Error).message}`)
  }
  const parsed = z.array(datasetJson).safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigError(`DATASETS: at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`)
  }
  const out = parsed.data.map((d): DatasetConfig => {
    const where = `DATASETS: dataset ${d.name}`
    const table = d.table ?? `dataset_${d.name}`
    if (RESERVED_TABLE_NAMES.includes(table)) throw new ConfigError(`${where}: table ${table} is taken`)
    const names = d.columns.map((c) => c.name)
    const twice = names.find((n, i) => names.indexOf(n) !== i)
    if (twice) throw new ConfigError(`${where}: column ${twice} is declared twice`)
    for (const k of d.key) {
      const column = d.columns.find((c) => c.name === k)
      if (!column) throw new ConfigError(`${where}: key column ${k} is not a declared column`)
      if (!column.required) throw new ConfigError(`${where}: key column ${k} must be required`)
    }
    return {
      name: d.name,
      source: parseDatasetLocation(d.source, where),
      table,
      key: d.key,
      columns: d.columns,
      maxFilesPerRun: d.max_files_per_run,
      maxFileBytes: d.max_file_bytes,
    }
  })
  for (const field of ['name', 'table'] as const) {
    const values = out.map((d) => d[field])
    const twice = values.find((v, i) => values.indexOf(v) !== i)
    if (twice) throw new ConfigError(`DATASETS: two datasets use the ${field} ${twice}`)
  }
  return out
}

/** `s3://bucket[/prefix]` or a folder path. */
function parseDatasetLocation(value: string, where: string): DatasetLocation {
  if (value.startsWith('s3://')) {
    const [bucket = '', ...prefix] = value.slice('s3://'.length).split('/')
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      throw new ConfigError(`${where}: invalid bucket name '${bucket}' (expected s3://bucket[/prefix])`)
    return { kind: 's3', bucket, prefix: prefix.filter((p) => p !== '').join('/') }
  }
  if (/^[a-z0-9]+:\/\//i.test(value))
    throw new ConfigError(`${where}: source must be s3://bucket[/prefix] or a folder path`)
  return { kind: 'folder', path: resolve(value) }
}
