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
 * The manifest this process last committed to a store (an object store per pipeline, kept between
 * cycles), with the text it wrote. The next batch starts from it: when the stored text is still that
 * text, byte for byte, it is the manifest the codec would parse from it (assertManifestCommittable
 * checked that it parses before the commit, and its text holds every field), so it is not parsed again:
 * with the CLI's lag, its cursors hold every key changed in the last 2 minutes (35k at 10k changes a
 * cycle), ~30–50 ms of checks a cycle (Finding 12). Any other text (another writer, an operator's
 * repair) is read and parsed as ever.
 */
const lastCommitted = new WeakMap<ObjectStore, { manifest: IngestionManifest; text: string }>()

/**
 * Remembers a manifest this process has just committed to `store` (runPlanNextBatch), with the text it
 * committed (`INGESTION_MANIFEST.serialise(manifest)`; made here when not given).
 */
export function rememberCommitted(
  store: ObjectStore,
  manifest: IngestionManifest,
  text: string = INGESTION_MANIFEST.serialise(manifest),
): void {
  lastCommitted.set(store, { manifest, text })
}

/** The manifest remembered for `store`, if any (for tests). */
export function toRememberedManifest(store: ObjectStore): IngestionManifest | undefined {
  return lastCommitted.get(store)?.manifest
}

/** The last committed batch's manifest: the one remembered, when the store holds its very text. */
async function runReadLastManifest(store: ObjectStore, batchId: string): Promise<IngestionManifest> {
  const mine = lastCommitted.get(store)
  if (mine?.manifest.batchId === batchId) {
    const bytes = await store.get(manifestKey(batchId))
    if (bytes !== undefined && new TextDecoder().decode(bytes) === mine.text) return mine.manifest
  }
  return runReadIngestionManifest(store, batchId)
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
  const previous = lastId === undefined ? undefined : await runReadLastManifest(ingestion, lastId)
  // Its cursors parse (through the codec, or checked before their commit): no second check when carried on.
  if (previous) recordParsedEdges(Object.values(previous.cursors))
  const batchId = toBatchId((lastId === undefined ? 0 : (parseBatchId(lastId) ?? 0)) + 1)
  return { batchId, previous }
}
