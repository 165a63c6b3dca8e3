/** SHA-256 of a stored object, streamed (optionally of its gunzip'd content, as ingestion manifests record). */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { promisify } from 'node:util'
import { createGunzip, gunzip } from 'node:zlib'
import { FolderStore } from './folder-store.ts'
import type { ObjectStore } from './object-store.ts'

export async function runDigestObject(
  store: ObjectStore,
  key: string,
  options: { gunzip?: boolean } = {},
): Promise<string> {
  const hash = createHash('sha256')
  const raw = await store.getStream(key)
  const stream = options.gunzip ? raw.pipe(createGunzip()) : raw
  if (options.gunzip) raw.on('error', (error) => stream.destroy(error))
  for await (const chunk of stream) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Files up to this size are hashed from one read (their gunzipped content up to MAX_INFLATED_BYTES). */
const WHOLE_FILE_BYTES = 4 * 2 ** 20
const MAX_INFLATED_BYTES = 64 * 2 ** 20
const gunzipAll = promisify(gunzip)

/**
 * SHA-256 of a local file, or of its gunzipped content: a small file read and gunzipped whole (a third
 * of the CPU of the stream, 15 against 46 ms for the loaded snapshot's 22 files), any other (larger, one
 * that inflates past MAX_INFLATED_BYTES, or one that cannot be read or gunzipped whole) streamed by
 * runDigestObject, so memory stays bounded and a broken file fails as it always did.
 */
export async function runDigestLocalFile(path: string, options: { gunzip?: boolean } = {}): Promise<string> {
  const size = await stat(path).then(
    (s) => s.size,
    () => Number.POSITIVE_INFINITY,
  )
  if (size <= WHOLE_FILE_BYTES) {
    const bytes = await readFile(path).catch(() => undefined)
    const content =
      bytes && options.gunzip
        ? await gunzipAll(bytes, { maxOutputLength: MAX_INFLATED_BYTES }).catch(() => undefined)
        : bytes
    if (content) return createHash('sha256').update(content).digest('hex')
  }
  return runDigestObject(new FolderStore(dirname(path)), basename(path), options)
}
