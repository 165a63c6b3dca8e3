/**
 * The batch commit protocol, used by every stage that writes a batch (extract, transform, the streams,
 * quarantine replay): the data files are written first under the attempt's own keys, then the manifest is
 * created only if absent. Exactly one writer wins a batch id; a loser deletes the files it wrote (they were
 * never visible: readers look only at manifests) and reports `false`.
 */
import type { z } from 'zod'
import type { Codec } from './codec.ts'
import type { ManifestStore } from './manifest-store.ts'

export interface BatchCommit<S extends z.ZodObject, T> {
  /** Where the manifest goes. */
  readonly key: string
  readonly codec: Codec<S, T>
  readonly manifest: T
  /** `codec.serialise(manifest)`, when the caller has made it already (it is what gets stored). */
  readonly text?: string
  /** The data files this attempt wrote (null entries are skipped), deleted when another run won. */
  readonly written: readonly (string | null)[]
}

/** Creates the manifest if absent; true when this run committed the batch. */
export async function commitBatch<S extends z.ZodObject, T>(
  store: ManifestStore,
  commit: BatchCommit<S, T>,
): Promise<boolean> {
  const text = commit.text ?? commit.codec.serialise(commit.manifest)
  if (await store.createIfAbsent(commit.key, text)) return true
  await Promise.all(commit.written.flatMap((key) => (key === null ? [] : [store.delete(key)])))
  return false
}
