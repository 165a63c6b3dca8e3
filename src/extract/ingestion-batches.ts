/** Reading the committed ingestion batches: only manifests count, data without one does not exist. */
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey } from '../core/batch-id.ts'
import { DataError } from '../core/errors.ts'
import { type IngestionManifest, parseIngestionManifest } from '../core/ingestion-manifest.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'

/** The ids of every committed ingestion batch, in commit order. */
export async function runListIngestionBatches(store: ObjectStore): Promise<string[]> {
  return batchIdsFromKeys(await store.list(MANIFEST_PREFIX))
}

/** Reads and parses one batch's manifest; a missing or malformed manifest is a DataError. */
export async function runReadIngestionManifest(
  store: ObjectStore,
  batchId: string,
): Promise<IngestionManifest> {
  const text = await getText(store, manifestKey(batchId))
  if (text === undefined) {
    throw new DataError(`ingestion manifest of batch ${batchId} is missing from ${store.description}`, {
      batchId,
    })
  }
  try {
    return parseIngestionManifest(text)
  } catch (error) {
    throw new DataError(
      `ingestion manifest of batch ${batchId} in ${store.description} does not parse; restore it from the bucket's versions`,
      { batchId },
      { cause: error },
    )
  }
}
