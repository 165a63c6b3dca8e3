/**
 * The narrow interface every stage uses for the ingestion and processed stores. Keys are
 * `/`-separated and relative to the store's root; the folder and S3 implementations behave alike.
 */
import type { Readable } from 'node:stream'

export interface ObjectStore {
  /** Where the store lives, safe to log. */
  readonly description: string
  /** Writes (or replaces) an object from bytes. */
  put(key: string, body: Uint8Array | string): Promise<void>
  /** Writes (or replaces) an object from a stream, without holding it in memory. */
  putStream(key: string, body: Readable): Promise<void>
  /**
   * Creates an object only if no object has that key: the commit point of a batch.
   * Returns false (and writes nothing) when the key already exists.
   */
  createIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>
  /** Reads an object whole, or undefined when it does not exist. For small objects (manifests). */
  get(key: string): Promise<Uint8Array | undefined>
  /** Streams an object; throws when it does not exist. */
  getStream(key: string): Promise<Readable>
  /** Every key under a prefix, sorted ascending. */
  list(prefix: string): Promise<string[]>
  /** Deletes an object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>
  /** A local file path holding the object (the file itself for a folder store, a downloaded copy for S3). */
  toLocalFile(key: string, tmpDir: string): Promise<string>
  /** Uploads a local file to a key. */
  putFile(key: string, path: string): Promise<void>
}

/** Reads a small object as UTF-8 text, or undefined. */
export async function getText(store: ObjectStore, key: string): Promise<string | undefined> {
  const bytes = await store.get(key)
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes)
}
