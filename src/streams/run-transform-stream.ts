/**
 * The transform of a stream, shared by FX and every dataset: each committed ingestion batch
 * without a processed manifest, in order, goes through the stream's model (records parsed and checked,
 * rows as exact text), then through DuckDB, which casts them to the table's declared types and writes
 * parquet; quarantine entries are written, and the processed manifest commits the batch (create if absent).
 */
import { createHash } from 'node:crypto'
import { newAttemptId } from '../core/batch-id.ts'
import { DataError } from '../core/errors.ts'
import { commitBatch } from '../core/manifests/commit-batch.ts'
import { toIntegrityError } from '../core/manifests/integrity.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import {
  STREAM_INGESTION_MANIFEST,
  STREAM_PROCESSED_FORMAT,
  STREAM_PROCESSED_MANIFEST,
  type StreamIngestionManifest,
  type StreamTableEntry,
} from '../core/manifests/stream.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { duckTypeOfStream, type StreamTable } from '../core/stream-catalogue.ts'
import { type DuckDb, type DuckParam, openDuckDb, sqlString } from '../io/duckdb.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import { streamBatchIds, streamDataKey, streamManifestKey, streamManifestPrefix } from './stream-keys.ts'
import { runWriteStreamQuarantine, type StreamQuarantineEntry } from './stream-quarantine.ts'

/** A row as exact text (or null), in the table's column order. */
export type TextRow = readonly (string | null)[]

export interface StreamModelOutput {
  readonly tables: readonly { readonly table: StreamTable; readonly rows: readonly TextRow[] }[]
  /** Entries to write, each with the held bytes to store at its dataKey. */
  readonly quarantined: readonly (StreamQuarantineEntry & { readonly data?: string })[]
}

/** What turns one landed batch into rows: reads its files through `read`, no other I/O. */
export interface StreamModel {
  readonly stream: string
  transform(
    manifest: StreamIngestionManifest,
    read: (key: string) => Promise<Uint8Array>,
  ): Promise<StreamModelOutput>
}

export interface StreamTransformDeps {
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  readonly log: Log
  readonly tmpDir?: string
}

export interface StreamTransformOutcome {
  readonly batchId: string
  readonly committed: boolean
  readonly rows: Readonly<Record<string, number>>
  readonly quarantinedRecords: number
}

const INSERT_ROWS = 500

/** Transforms every pending ingestion batch of a stream. */
export async function runTransformStream(
  deps: StreamTransformDeps,
  model: StreamModel,
): Promise<StreamTransformOutcome[]> {
  const stream = model.stream
  const landed = streamBatchIds(stream, await deps.ingestion.list(streamManifestPrefix(stream)))
  const done = new Set(streamBatchIds(stream, await deps.processed.list(streamManifestPrefix(stream))))
  const outcomes: StreamTransformOutcome[] = []
  for (const batchId of landed) {
    if (done.has(batchId)) continue
    const manifest = await readManifest(
      deps.ingestion,
      streamManifestKey(stream, batchId),
      STREAM_INGESTION_MANIFEST,
    )
    const started = Date.now()
    const outcome = await transformBatch(deps, model, manifest)
    deps.log.info('stream batch transformed', {
      stage: 'transform',
      stream,
      batchId,
      committed: outcome.committed,
      rows: outcome.rows,
      quarantinedRecords: outcome.quarantinedRecords,
      ms: Date.now() - started,
    })
    outcomes.push(outcome)
  }
  return outcomes
}

async function transformBatch(
  deps: StreamTransformDeps,
  model: StreamModel,
  manifest: StreamIngestionManifest,
): Promise<StreamTransformOutcome> {
  const { stream, batchId } = manifest
  const read = async (key: string): Promise<Uint8Array> => {
    const bytes = await deps.ingestion.get(key)
    if (bytes === undefined)
      throw new DataError(`${stream} batch ${batchId}: landed file ${key} is missing`, { batchId, key })
    // Every landed file is checked against the manifest before the model sees a byte of it.
    const expected = manifest.files.find((f) => f.key === key)?.sha256 ?? null
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const error = toIntegrityError(
      { key, store: deps.ingestion.description, batchId, table: stream, expected, actual: { sha256 } },
      'transform',
    )
    if (error) {
      deps.log.alert('lake file does not match its manifest; batch refused', {
        stage: 'transform',
        stream,
        batchId,
        key,
        expected,
        sha256,
      })
      throw error
    }
    return bytes
  }
  const output = await model.transform(manifest, read)
  const attempt = newAttemptId()
  const db = await openDuckDb({ tmpDir: deps.tmpDir, memoryLimit: '256MB' })
  const tables: StreamTableEntry[] = []
  const rows: Record<string, number> = {}
  try {
    for (const { table, rows: textRows } of output.tables) {
      rows[table.name] = textRows.length
      if (textRows.length === 0) {
        tables.push({ table: table.name, key: null, rows: 0, sha256: null })
        continue
      }
      const path = await writeParquet(db, table, textRows)
      const key = streamDataKey(stream, table.name, manifest.createdAt, batchId, attempt, 'parquet')
      await deps.processed.putFile(key, path)
      tables.push({
        table: table.name,
        key,
        rows: textRows.length,
        sha256: (await db.fileDigest(path)).sha256,
      })
    }
  } finally {
    await db.close()
  }
  let quarantinedRecords = 0
  for (const { data, ...entry } of output.quarantined) {
    if (data !== undefined && entry.dataKey) await deps.ingestion.put(entry.dataKey, data)
    await runWriteStreamQuarantine(deps.ingestion, entry)
    quarantinedRecords += entry.records
    deps.log.alert('stream records quarantined', {
      stage: 'transform',
      stream,
      batchId,
      entryId: entry.id,
      records: entry.records,
      reasons: entry.reasons,
    })
  }
  const quarantined = [...manifest.heldFiles.map((h) => h.entryId), ...output.quarantined.map((e) => e.id)]
  const committed = await commitBatch(deps.processed, {
    key: streamManifestKey(stream, batchId),
    codec: STREAM_PROCESSED_MANIFEST,
    manifest: {
      format: STREAM_PROCESSED_FORMAT,
      stream,
      batchId,
      sourceCreatedAt: manifest.createdAt,
      tables,
      quarantined,
      meta: manifest.meta,
    },
    written: tables.map((t) => t.key),
  })
  return { batchId, committed, rows, quarantinedRecords }
}

/** Loads text rows into DuckDB, casts them to the declared types, writes parquet ordered by the key. */
async function writeParquet(db: DuckDb, table: StreamTable, textRows: readonly TextRow[]): Promise<string> {
  const raw = quoteIdent(`raw_${table.name}`)
  const width = table.columns.length
  await db.run(
    `CREATE TABLE ${raw} (${table.columns.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(', ')})`,
  )
  for (let i = 0; i < textRows.length; i += INSERT_ROWS) {
    const chunk = textRows.slice(i, i + INSERT_ROWS)
    const values = chunk
      .map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`)
      .join(', ')
    const params: DuckParam[] = chunk.flatMap((row) => {
      if (row.length !== width)
        throw new Error(`${table.name}: a row has ${row.length} values, expected ${width}`)
      return [...row]
    })
    await db.run(`INSERT INTO ${raw} VALUES ${values}`, params)
  }
  const casts = table.columns.map(
    (c) => `CAST(${quoteIdent(c.name)} AS ${duckTypeOfStream(c.type)}) AS ${quoteIdent(c.name)}`,
  )
  const path = `${db.workDir}/${table.name}.parquet`
  await db.run(
    `COPY (SELECT * FROM (SELECT ${casts.join(', ')} FROM ${raw}) ORDER BY ${table.key.map(quoteIdent).join(', ')}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`,
  )
  return path
}
