/**
 * Lands one ingestion batch of a stream: picks the next batch id, lets the caller write its
 * files under that id and a fresh attempt id, then creates the manifest only if absent. A run that loses
 * the race to another deletes its own files and reports `committed: false`; nothing else changes.
 */
import { newAttemptId, parseBatchId, toBatchId } from '../core/batch-id.ts'
import { commitBatch } from '../core/manifests/commit-batch.ts'
import {
  STREAM_INGESTION_FORMAT,
  STREAM_INGESTION_MANIFEST,
  type StreamIngestionManifest,
} from '../core/manifests/stream.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { streamBatchIds, streamManifestKey, streamManifestPrefix, toNaiveUtc } from './stream-keys.ts'

export interface BatchWriter {
  readonly batchId: string
  readonly attempt: string
  readonly createdAt: string
  /** Records a key this attempt wrote, so a lost race removes it. */
  wrote(key: string): void
}

export interface CommittedStreamBatch {
  readonly manifest: StreamIngestionManifest
  readonly committed: boolean
}

/** The next batch id of a stream in a store. */
export async function runNextStreamBatchId(store: ObjectStore, stream: string): Promise<string> {
  const ids = streamBatchIds(stream, await store.list(streamManifestPrefix(stream)))
  const last = ids.at(-1)
  return toBatchId(last === undefined ? 1 : (parseBatchId(last) ?? 0) + 1)
}

/**
 * Writes a batch through `write` and commits its manifest; `nowMs` stamps it. `batchId` pins the id the
 * caller planned against (so a batch another run committed meanwhile makes this one lose the race rather
 * than take the next id); by default it is the next id in the store.
 */
export async function runCommitStreamBatch(
  store: ObjectStore,
  stream: string,
  nowMs: number,
  write: (writer: BatchWriter) => Promise<Pick<StreamIngestionManifest, 'files' | 'heldFiles' | 'meta'>>,
  batchId?: string,
): Promise<CommittedStreamBatch> {
  batchId ??= await runNextStreamBatchId(store, stream)
  const written: string[] = []
  const createdAt = toNaiveUtc(nowMs)
  const body = await write({ batchId, attempt: newAttemptId(), createdAt, wrote: (key) => written.push(key) })
  const manifest: StreamIngestionManifest = {
    format: STREAM_INGESTION_FORMAT,
    stream,
    batchId,
    createdAt,
    ...body,
  }
  const committed = await commitBatch(store, {
    key: streamManifestKey(stream, batchId),
    codec: STREAM_INGESTION_MANIFEST,
    manifest,
    written,
  })
  return { manifest, committed }
}
