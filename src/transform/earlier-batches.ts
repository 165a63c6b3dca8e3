/**
 * The committed ingestion batches before a given one, newest first, read lazily (most batches need none
 * of them, a few need the last one or two) and each manifest read once per transformed batch; and the
 * transform's one way to read an ingestion manifest.
 */
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey } from '../core/batch-id.ts'
import { INGESTION_MANIFEST, type IngestionManifest } from '../core/manifests/ingestion.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import type { ObjectStore } from '../io/object-store.ts'

export interface EarlierBatches {
  /** The manifests of the batches before this one, newest first. */
  newestFirst(): AsyncIterable<IngestionManifest>
}

/**
 * The ingestion manifests this process parsed last (two per store), with their stored text. The transform
 * reads a batch's manifest when it transforms it, and again, as the batch before, when it transforms the
 * next one (its cursors' `hi`); with the CLI's lag each manifest carries every key changed within it (35k
 * with 10k changes a cycle), ~10–15 ms to parse (Finding 13). A manifest whose stored text is still that
 * very text, byte for byte, is the one parsed from it: it is not parsed again. Any other text is parsed
 * as ever (a malformed one is the codec's DataError). Manifests are readonly: sharing one is safe.
 */
const recent = new WeakMap<ObjectStore, { id: string; text: string; manifest: IngestionManifest }[]>()
const RECENT_PER_STORE = 2

/** A batch's ingestion manifest; missing or malformed is a DataError naming it (readManifest). */
export async function runReadIngestionManifest(store: ObjectStore, id: string): Promise<IngestionManifest> {
  const key = manifestKey(id)
  const bytes = await store.get(key)
  if (bytes === undefined) return readManifest(store, key, INGESTION_MANIFEST)
  const text = new TextDecoder().decode(bytes)
  const kept = recent.get(store) ?? []
  const known = kept.find((k) => k.id === id && k.text === text)
  if (known) return known.manifest
  const manifest = INGESTION_MANIFEST.parse(text, `${key} in ${store.description}`)
  // The newest batches are kept: the next batch reads the newest one again, as the batch before it.
  const next = [...kept.filter((k) => k.id !== id), { id, text, manifest }]
  recent.set(store, next.sort((a, b) => (a.id < b.id ? -1 : 1)).slice(-RECENT_PER_STORE))
  return manifest
}

/** The batches committed before `batchId` in `store`. */
export function earlierBatches(store: ObjectStore, batchId: string): EarlierBatches {
  let ids: Promise<string[]> | undefined
  const cache = new Map<string, Promise<IngestionManifest>>()
  const read = (id: string) => {
    let m = cache.get(id)
    if (!m) {
      m = runReadIngestionManifest(store, id)
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
