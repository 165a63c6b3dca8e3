/**
 * A dataset's registered schema and the checks of its files and records (pure). The schema a batch was
 * landed under travels in its manifest, so the transform and the load use exactly that version. Every
 * dataset table also carries where each row came from: `_source_key`, `_source_etag`, `_record` (1-based
 * position in the file) and `_batch_id`.
 */
import { z } from 'zod'
import { isDay } from '../../core/civil-date.ts'
import type { DatasetColumn, DatasetConfig } from '../../core/dataset-config.ts'
import { STREAM_TYPES, type StreamTable, type StreamType } from '../../core/stream-catalogue.ts'
import { toExactDecimal } from '../exact-decimal.ts'
import type { TextRow } from '../run-transform-stream.ts'

export interface DatasetSchema {
  readonly dataset: string
  readonly version: number
  readonly table: string
  readonly key: readonly string[]
  readonly columns: readonly DatasetColumn[]
}

export const datasetSchemaJson = z.object({
  dataset: z.string(),
  version: z.number().int().positive(),
  table: z.string(),
  key: z.array(z.string()),
  columns: z.array(z.object({ name: z.string(), type: z.enum(STREAM_TYPES), required: z.boolean() })),
})

/** The lineage columns every dataset table ends with. */
export const LINEAGE_COLUMNS = ['_source_key', '_source_etag', '_record', '_batch_id'] as const

/** The warehouse table of a schema version. */
export function toDatasetTable(schema: DatasetSchema): StreamTable {
  return {
    name: schema.table,
    load: schema.key.length > 0 ? 'upsert' : 'append',
    key: schema.key.length > 0 ? schema.key : ['_source_key', '_source_etag', '_record'],
    columns: [
      ...schema.columns.map((c) => ({ name: c.name, type: c.type, nullable: !c.required })),
      { name: '_source_key', type: 'text', nullable: false },
      { name: '_source_etag', type: 'text', nullable: false },
      { name: '_record', type: 'integer', nullable: false },
      { name: '_batch_id', type: 'text', nullable: false },
    ],
  }
}

/**
 * Compares the configured schema with the latest registered one: same → that version; only new optional
 * columns after the registered ones → the next version; anything else → the reasons it is refused.
 */
export function planSchemaVersion(
  config: DatasetConfig,
  latest: DatasetSchema | undefined,
): { schema: DatasetSchema; register: boolean } | { refused: string[] } {
  const wanted = { dataset: config.name, table: config.table, key: config.key, columns: config.columns }
  if (!latest) return { schema: { ...wanted, version: 1 }, register: true }
  const problems: string[] = []
  if (latest.table !== wanted.table) problems.push(`table changed from ${latest.table} to ${wanted.table}`)
  if (latest.key.join(',') !== wanted.key.join(','))
    problems.push(`key changed from (${latest.key.join(', ')}) to (${wanted.key.join(', ')})`)
  latest.columns.forEach((before, i) => {
    const now = wanted.columns[i]
    if (!now) problems.push(`column ${before.name} was removed`)
    else if (now.name !== before.name || now.type !== before.type || now.required !== before.required)
      problems.push(`column ${before.name} (${before.type}) changed to ${now.name} (${now.type})`)
  })
  const added = wanted.columns.slice(latest.columns.length)
  for (const c of added) if (c.required) problems.push(`new column ${c.name} must not be required`)
  if (problems.length > 0) return { refused: problems }
  if (added.length === 0) return { schema: latest, register: false }
  return { schema: { ...wanted, version: latest.version + 1 }, register: true }
}

/** True for the files a dataset picks up. */
export function isDatasetFile(key: string): boolean {
  return /\.(json|jsonl|ndjson)$/i.test(key) && !key.split('/').some((part) => part.startsWith('.'))
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z)?$/

/** The first day PostgreSQL's date and timestamp hold in YYYY-MM-DD (it has no year 0). */
const FIRST_DAY = '0001-01-01'

/** UTF-8 bytes the key of one row may take: a btree index entry holds at most ~2.7 kB. */
export const MAX_KEY_BYTES = 2000

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why PostgreSQL text cannot store a string unchanged, or undefined when it can. */
export function toUnstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'holds a NUL character (U+0000), which PostgreSQL text cannot store'
  if (LONE_SURROGATE.test(text)) return 'holds an unpaired UTF-16 surrogate, which is not Unicode text'
  return undefined
}

/** A JSON value as the exact text of a column type, or the reason it does not fit. */
export function toColumnText(
  type: StreamType,
  value: unknown,
): { ok: true; text: string } | { ok: false; reason: string } {
  const fail = (what: string) => ({ ok: false as const, reason: `expected ${what}` })
  switch (type) {
    case 'integer':
    case 'bigint': {
      const max = type === 'integer' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : ''
      if (!/^-?\d{1,19}$/.test(text)) return fail(`an ${type}`)
      // Strings carry bigints past 2^53 exactly; compare as BigInt.
      const big = BigInt(text)
      const limit = type === 'integer' ? BigInt(max) : 9223372036854775807n
      if (big > limit || big < -limit - 1n) return fail(`an ${type} in range`)
      if (typeof value === 'number' && !Number.isSafeInteger(value))
        return fail(`an ${type} (as a string past 2^53)`)
      return { ok: true, text: big.toString() }
    }
    case 'numeric': {
      const exact = toExactDecimal(value)
      return exact.ok ? exact : { ok: false, reason: exact.reason }
    }
    case 'text': {
      if (typeof value !== 'string') return fail('a string')
      const unstorable = toUnstorableText(value)
      return unstorable ? { ok: false, reason: unstorable } : { ok: true, text: value }
    }
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, text: String(value) } : fail('true or false')
    case 'date':
      if (typeof value !== 'string' || !isDay(value)) return fail('a date YYYY-MM-DD')
      return value < FIRST_DAY
        ? fail(`a date from ${FIRST_DAY} (PostgreSQL has no year 0)`)
        : { ok: true, text: value }
    case 'timestamp': {
      const m = typeof value === 'string' ? TIMESTAMP.exec(value) : null
      if (!m || !isDay(m[1]!)) return fail('a timestamp YYYY-MM-DD HH:MM:SS[.fff][Z] (UTC)')
      if (m[1]! < FIRST_DAY) return fail(`a timestamp from ${FIRST_DAY} (PostgreSQL has no year 0)`)
      const [hh, mm, ss] = m[2]!.split(':').map(Number)
      if (hh! > 23 || mm! > 59 || ss! > 59) return fail('a valid time of day')
      return { ok: true, text: `${m[1]} ${m[2]}${m[3] ?? ''}` }
    }
  }
}

/** One record as a row of the dataset's table (without lineage), or every reason it does not fit. */
export function planRecordRow(
  schema: DatasetSchema,
  record: unknown,
): { ok: true; values: (string | null)[] } | { ok: false; reason: string } {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return { ok: false, reason: 'the record is not a JSON object' }
  const values: (string | null)[] = []
  const problems: string[] = []
  for (const column of schema.columns) {
    // Own fields only: a column named like Object.prototype's members (constructor) is not inherited.
    const value = Object.hasOwn(record, column.name)
      ? (record as Record<string, unknown>)[column.name]
      : undefined
    if (value === undefined || value === null) {
      if (column.required) problems.push(`${column.name}: required`)
      values.push(null)
      continue
    }
    const text = toColumnText(column.type, value)
    if (text.ok) values.push(text.text)
    else {
      problems.push(`${column.name}: ${text.reason}`)
      values.push(null)
    }
  }
  const keyBytes = schema.key.reduce((n, k) => {
    const value = values[schema.columns.findIndex((c) => c.name === k)]
    return n + (value ? new TextEncoder().encode(value).length : 0)
  }, 0)
  if (keyBytes > MAX_KEY_BYTES)
    problems.push(
      `the key (${schema.key.join(', ')}) takes ${keyBytes} bytes, over the ${MAX_KEY_BYTES} a warehouse index holds`,
    )
  return problems.length > 0 ? { ok: false, reason: problems.join('; ') } : { ok: true, values }
}

/** The rows of a batch, keeping only the last record per key for an upsert table (pure). */
export function planKeyedRows(schema: DatasetSchema, rows: readonly TextRow[]): TextRow[] {
  if (schema.key.length === 0) return [...rows]
  const positions = schema.key.map((k) => schema.columns.findIndex((c) => c.name === k))
  const last = new Map<string, TextRow>()
  for (const row of rows) last.set(JSON.stringify(positions.map((p) => row[p])), row)
  return [...last.values()]
}
