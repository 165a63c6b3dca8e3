/** SHA-256 of a stored object, streamed (optionally of its gunzip'd content, as ingestion manifests record). */
import { createHash } from 'node:crypto'
import { createGunzip } from 'node:zlib'
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
