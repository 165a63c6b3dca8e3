/**
 * Picks up the new files of a dataset's external source, each exactly once. What was taken is tracked by
 * (key, ETag) in a ledger object, `ext/datasets/<name>/_ledger.json`, which is only a cache of the batch
 * manifests: before planning, every manifest newer than the ledger is folded into it, so a crash between
 * a manifest's commit and the ledger's update cannot take a file twice, and two runs that race lose only
 * the manifest create (the loser deletes its files). A file that cannot be a dataset file (not UTF-8, not
 * JSON, not an array, too large) is held whole in quarantine and counts as taken.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { parseBatchId, toBatchId } from '../../core/batch-id.ts'
import type { DatasetConfig } from '../../core/dataset-config.ts'
import { DataError } from '../../core/errors.ts'
import { STREAM_INGESTION_MANIFEST, type StreamIngestionManifest } from '../../core/manifests/stream.ts'
import type { ExternalObject, ExternalSource } from '../../io/external-source.ts'
import { getText, type ObjectStore } from '../../io/object-store.ts'
import type { Log } from '../../log.ts'
import { runCommitStreamBatch } from '../run-commit-stream-batch.ts'
import {
  streamBatchIds,
  streamDataKey,
  streamManifestKey,
  streamManifestPrefix,
  streamPrefix,
} from '../stream-keys.ts'
import {
  runWriteStreamQuarantine,
  streamQuarantineDataKey,
  streamQuarantineKey,
} from '../stream-quarantine.ts'
import { isDatasetFile, toUnstorableText } from './dataset-schema.ts'
import { type FileRecords, planFileRecords } from './plan-file-records.ts'
import { datasetStream, runResolveDatasetSchema } from './run-dataset-schema.ts'

export interface PickupDeps {
  readonly ingestion: ObjectStore
  readonly source: ExternalSource
  readonly log: Log
  readonly now?: () => number
}

export interface PickupResult {
  /** The landed batch, or null when no new file was found (or another run committed first). */
  readonly batchId: string | null
  readonly files: number
  readonly heldFiles: number
  /** New files left for the next run (over max_files_per_run). */
  readonly waiting: number
}

const ledgerJson = z.object({
  through_batch_id: z.string().nullable(),
  taken: z.array(z.tuple([z.string(), z.string()])),
})

interface Ledger {
  readonly throughBatchId: string | null
  /** takenId of every (key, ETag) taken. */
  readonly taken: Set<string>
}

const ledgerKey = (name: string) => `${streamPrefix(datasetStream(name))}_ledger.json`
// JSON of the pair: a key may hold any character (a newline, a quote), and still maps to one id and back.
const takenId = (key: string, etag: string | null) => JSON.stringify([key, etag ?? ''])

/** The saved ledger, or an empty one when it is missing or unreadable (it is only a cache of the manifests). */
function parseLedger(
  text: string | undefined,
  log: Log | undefined,
  name: string,
): z.infer<typeof ledgerJson> {
  if (text === undefined) return { through_batch_id: null, taken: [] }
  try {
    return ledgerJson.parse(JSON.parse(text))
  } catch (error) {
    log?.warn('dataset ledger unreadable; rebuilt from the manifests', {
      stage: 'datasets',
      dataset: name,
      reason: (error as Error).message.slice(0, 200),
    })
    return { through_batch_id: null, taken: [] }
  }
}

/** The ledger brought up to date with every committed manifest (and saved when that changed it). */
export async function runReadPickupLedger(store: ObjectStore, name: string, log?: Log): Promise<Ledger> {
  const stream = datasetStream(name)
  const saved = parseLedger(await getText(store, ledgerKey(name)), log, name)
  const taken = new Set(saved.taken.map(([k, e]) => takenId(k, e)))
  let through = saved.through_batch_id
  const newer = streamBatchIds(stream, await store.list(streamManifestPrefix(stream))).filter(
    (id) => through === null || id > through,
  )
  for (const batchId of newer) {
    const key = streamManifestKey(stream, batchId)
    let manifest: StreamIngestionManifest
    try {
      manifest = STREAM_INGESTION_MANIFEST.parse(
        (await getText(store, key)) ?? '',
        'stream ingestion manifest',
      )
    } catch (cause) {
      // A manifest is a commit: without it, which files were taken is unknown, so stop rather than guess.
      throw new DataError(
        `dataset ${name}: the manifest ${key} in ${store.description} does not parse; restore it (or remove it if its batch never loaded)`,
        { stage: 'datasets', batchId, key },
        { cause },
      )
    }
    for (const f of manifest.files) taken.add(takenId(f.source, f.sourceEtag))
    for (const h of manifest.heldFiles) taken.add(takenId(h.source, h.sourceEtag))
    through = batchId
  }
  if (newer.length > 0) await runWriteLedger(store, name, { throughBatchId: through, taken })
  return { throughBatchId: through, taken }
}

async function runWriteLedger(store: ObjectStore, name: string, ledger: Ledger): Promise<void> {
  const taken = [...ledger.taken].sort().map((id) => JSON.parse(id) as [string, string])
  // Rewriting it with an older view is harmless: the next reader folds the newer manifests in again.
  await store.put(ledgerKey(name), `${JSON.stringify({ through_batch_id: ledger.throughBatchId, taken })}\n`)
}

/** UTF-8 bytes a file name may take: S3's own limit, and well inside what a warehouse key index holds. */
export const MAX_NAME_BYTES = 1024

/** Why a file's name cannot be stored as its lineage (`_source_key`), or undefined when it can. */
export function toUnstorableName(key: string): string | undefined {
  const text = toUnstorableText(key)
  if (text) return `the file name ${text}`
  const bytes = new TextEncoder().encode(key).length
  return bytes > MAX_NAME_BYTES ? `the file name takes ${bytes} bytes, over ${MAX_NAME_BYTES}` : undefined
}

/** The bytes of a file and the check of its records, or why it is held whole. */
async function runReadCandidate(
  source: ExternalSource,
  object: ExternalObject,
  maxFileBytes: number,
): Promise<{ bytes: Uint8Array | undefined; check: FileRecords }> {
  const refuse = (reason: string) => ({ bytes: undefined, check: { ok: false as const, reason } })
  const name = toUnstorableName(object.key)
  if (name) return refuse(name)
  if (object.bytes > maxFileBytes)
    return refuse(`the file has ${object.bytes} bytes, over max_file_bytes ${maxFileBytes}`)
  let bytes: Uint8Array
  try {
    bytes = await source.read(object.key)
  } catch (error) {
    // Held, not retried forever: a new version of the file (new ETag) is a new file and is taken again.
    return refuse(`the file cannot be read: ${(error as Error).message}`)
  }
  return { bytes, check: planFileRecords(object.key, bytes) }
}

/** Lands the dataset's new files as one batch. */
export async function runDatasetPickup(deps: PickupDeps, config: DatasetConfig): Promise<PickupResult> {
  const stream = datasetStream(config.name)
  const schema = await runResolveDatasetSchema(deps.ingestion, config)
  const ledger = await runReadPickupLedger(deps.ingestion, config.name, deps.log)
  const fresh = (await deps.source.list()).filter(
    (o) => isDatasetFile(o.key) && !ledger.taken.has(takenId(o.key, o.etag)),
  )
  const chosen = fresh.slice(0, config.maxFilesPerRun)
  if (chosen.length === 0) return { batchId: null, files: 0, heldFiles: 0, waiting: 0 }
  const held: { entryId: string; reason: string; source: string }[] = []
  const now = deps.now ?? Date.now
  // The id right after the newest manifest folded in: if another run commits it first, this one loses.
  const planned = toBatchId(
    ledger.throughBatchId === null ? 1 : (parseBatchId(ledger.throughBatchId) ?? 0) + 1,
  )
  const batch = await runCommitStreamBatch(
    deps.ingestion,
    stream,
    now(),
    async (writer) => {
      const files: StreamIngestionManifest['files'][number][] = []
      const heldFiles: StreamIngestionManifest['heldFiles'][number][] = []
      for (const [index, object] of chosen.entries()) {
        const ext = /\.(jsonl|ndjson)$/i.test(object.key) ? 'jsonl' : 'json'
        const { bytes, check } = await runReadCandidate(deps.source, object, config.maxFileBytes)
        const sha256 = bytes ? createHash('sha256').update(bytes).digest('hex') : ''
        if (!check.ok) {
          const entryId = `${writer.batchId}-${writer.attempt}-file-${index + 1}`
          const dataKey = bytes
            ? streamQuarantineDataKey(stream, writer.batchId, entryId, `held.${ext}`)
            : null
          if (bytes && dataKey) {
            await deps.ingestion.put(dataKey, bytes)
            writer.wrote(dataKey)
          }
          await runWriteStreamQuarantine(deps.ingestion, {
            id: entryId,
            stream,
            batchId: writer.batchId,
            level: 'file',
            reason: check.reason,
            reasons: [{ reason: check.reason, records: 0 }],
            records: 0,
            source: object.key,
            dataKey,
            sample: [],
          })
          writer.wrote(streamQuarantineKey(stream, writer.batchId, entryId))
          heldFiles.push({ source: object.key, sourceEtag: object.etag, entryId })
          held.push({ entryId, reason: check.reason, source: object.key })
          continue
        }
        const key = streamDataKey(
          stream,
          'files',
          writer.createdAt,
          writer.batchId,
          `${writer.attempt}-${index + 1}`,
          ext,
        )
        await deps.ingestion.put(key, bytes!)
        writer.wrote(key)
        files.push({ key, source: object.key, sourceEtag: object.etag, bytes: object.bytes, sha256 })
      }
      return { files, heldFiles, meta: { dataset: config.name, schema } }
    },
    planned,
  )
  for (const h of held) {
    deps.log.alert('dataset file quarantined', { stage: 'datasets', dataset: config.name, ...h })
  }
  deps.log.info('dataset files landed', {
    stage: 'datasets',
    dataset: config.name,
    batchId: batch.manifest.batchId,
    committed: batch.committed,
    files: batch.manifest.files.length,
    heldFiles: batch.manifest.heldFiles.length,
    waiting: fresh.length - chosen.length,
  })
  if (!batch.committed) return { batchId: null, files: 0, heldFiles: 0, waiting: fresh.length }
  // Record what was taken now; a crash before this line is repaired by the next read's fold.
  for (const f of batch.manifest.files) ledger.taken.add(takenId(f.source, f.sourceEtag))
  for (const h of batch.manifest.heldFiles) ledger.taken.add(takenId(h.source, h.sourceEtag))
  await runWriteLedger(deps.ingestion, config.name, { throughBatchId: planned, taken: ledger.taken })
  return {
    batchId: batch.manifest.batchId,
    files: batch.manifest.files.length,
    heldFiles: batch.manifest.heldFiles.length,
    waiting: fresh.length - chosen.length,
  }
}
