/** Reading the committed ingestion batches: only manifests count, data without one does not exist. */
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey } from '../core/batch-id.ts'
import { INGESTION_MANIFEST, type IngestionManifest } from '../core/manifests/ingestion.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import type { ObjectStore } from '../io/object-store.ts'

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
