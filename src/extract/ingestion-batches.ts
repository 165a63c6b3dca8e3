/** Reading the committed ingestion batches: only manifests count, data without one does not exist. */
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey, parseBatchId, toBatchId } from '../core/batch-id.ts'
import { INGESTION_MANIFEST, type IngestionManifest } from '../core/manifests/ingestion.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { recordParsedEdges } from './parsed-edges.ts'

/** The ids of every committed ingestion batch, in commit order. */
export async function runListIngestionBatches(store: ObjectStore): Promise<string[]> {
  return batchIdsFromKeys(await store.list(MANIFEST_PREFIX))
}

/** Reads and parses one batch's manifest; a missing or malformed manifest is a DataError naming it. */
export async function runReadIngestionManifest(
  store: ObjectStore,
  batchId: string,
): Promise<IngestionManifest> {
  return readManifest(store, manifestKey(batchId), INGESTION_MANIFEST)
}

/**
 * The next batch's id, and the last committed manifest (its cursors are where the next batch reads
 * from). Both extract modes number their batches this way.
 */
export async function runPlanNextBatch(
  ingestion: ObjectStore,
): Promise<{ batchId: string; previous: IngestionManifest | undefined }> {
  const committed = await runListIngestionBatches(ingestion)
  const lastId = committed.at(-1)
  const previous = lastId === undefined ? undefined : await runReadIngestionManifest(ingestion, lastId)
  // Its cursors came through the codec: their keys need no second check when they are carried on.
  if (previous) recordParsedEdges(Object.values(previous.cursors))
  const batchId = toBatchId((lastId === undefined ? 0 : (parseBatchId(lastId) ?? 0)) + 1)
  return { batchId, previous }
}
