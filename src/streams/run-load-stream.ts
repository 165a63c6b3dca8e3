/**
 * The load of a stream (FX rates, a JSON dataset): the batch loader (load/run-load-batches.ts) with the
 * stream as its target: the stream's processed manifests, the tables a batch declares (created by the
 * first batch that needs them, untouched after), etl.stream_ledger, the core load's advisory lock.
 */

import { DataError } from '../core/errors.ts'
import { STREAM_PROCESSED_MANIFEST, type StreamProcessedManifest } from '../core/manifests/stream.ts'
import type { StreamTable } from '../core/stream-catalogue.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import type { LoadTarget } from '../load/load-target.ts'
import { runEnsureStreamTables } from '../load/run-init-stream-tables.ts'
import { type BatchLoadDeps, type BatchLoadResult, runLoadBatches } from '../load/run-load-batches.ts'
import { toStreamLoadTable } from '../load/stream-ddl.ts'
import { streamLedger } from '../load/stream-ledger.ts'
import { streamBatchIds, streamManifestKey, streamManifestPrefix } from './stream-keys.ts'

export interface StreamLoadDeps extends Omit<BatchLoadDeps, 'faults'> {
  /** Test hook called inside each batch's transaction after the merge; throwing simulates a crash. */
  readonly faults?: (batchId: string) => void | Promise<void>
}

export interface StreamLoadInput {
  readonly stream: string
  /** The tables a batch loads into (fixed for FX, from the batch's schema version for a dataset). */
  tablesOf(manifest: StreamProcessedManifest): readonly StreamTable[]
}

export type StreamLoadResult = BatchLoadResult

/** Loads every pending processed batch of a stream, in order, exactly once each. */
export function runLoadStream(deps: StreamLoadDeps, input: StreamLoadInput): Promise<StreamLoadResult> {
  const { faults, ...rest } = deps
  return runLoadBatches(
    {
      ...rest,
      ...(faults
        ? { faults: (point, batchId) => (point === 'after-facts' ? faults(batchId) : undefined) }
        : {}),
    },
    toStreamTarget(deps.processed, input),
  )
}

/** A stream as a load target. */
function toStreamTarget(store: ObjectStore, input: StreamLoadInput): LoadTarget<StreamProcessedManifest> {
  const { stream } = input
  return {
    stream,
    listBatchIds: async () => streamBatchIds(stream, await store.list(streamManifestPrefix(stream))),
    readManifest: (batchId) => runReadStreamManifest(store, stream, batchId),
    tablesOf: (manifest) => input.tablesOf(manifest).map(toStreamLoadTable),
    ledger: streamLedger(stream),
    prepare: (tx, manifest) => runEnsureStreamTables(tx, input.tablesOf(manifest)),
    outOfOrderAdvice: "re-run the stream's transform from scratch into a new processed prefix",
    foreignKeyAdvice: 'a row references a key the warehouse lacks: load the core batches first',
    logs: { loaded: 'stream batch loaded', fields: { stream } },
  }
}

/** Reads and checks a stream's processed manifest. */
async function runReadStreamManifest(
  store: ObjectStore,
  stream: string,
  batchId: string,
): Promise<StreamProcessedManifest> {
  const text = await getText(store, streamManifestKey(stream, batchId))
  if (text === undefined) throw new DataError(`${stream} processed manifest ${batchId} vanished`, { batchId })
  try {
    const manifest = STREAM_PROCESSED_MANIFEST.parse(text, 'stream processed manifest')
    if (manifest.batchId !== batchId || manifest.stream !== stream) throw new Error('names another batch')
    return manifest
  } catch (cause) {
    throw new DataError(
      `${stream} processed manifest ${batchId} does not parse`,
      { stage: 'load', batchId },
      { cause },
    )
  }
}
