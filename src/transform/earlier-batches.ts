/**
 * The committed ingestion batches before a given one, newest first, read lazily (most batches need none
 * of them, a few need the last one or two) and each manifest read once per transformed batch.
 */
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey } from '../core/batch-id.ts'
import { INGESTION_MANIFEST, type IngestionManifest } from '../core/manifests/ingestion.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import type { ObjectStore } from '../io/object-store.ts'

export interface EarlierBatches {
  /** The manifests of the batches before this one, newest first. */
  newestFirst(): AsyncIterable<IngestionManifest>
}

/** The batches committed before `batchId` in `store`. */
export function earlierBatches(store: ObjectStore, batchId: string): EarlierBatches {
  let ids: Promise<string[]> | undefined
  const cache = new Map<string, Promise<IngestionManifest>>()
  const read = (id: string) => {
    let m = cache.get(id)
    if (!m) {
      m = readManifest(store, manifestKey(id), INGESTION_MANIFEST)
      cache.set(id, m)
    }
    return m
  }
  return {
    async *newestFirst() {
      ids ??= store.list(MANIFEST_PREFIX).then((keys) => batchIdsFromKeys(keys).filter((id) => id < batchId))
      for (const id of [...(await ids)].reverse()) yield await read(id)
    },
  }
}
