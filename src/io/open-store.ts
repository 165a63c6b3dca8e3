import type { StoreLocation } from '../config.ts'
import { FolderStore } from './folder-store.ts'
import type { ObjectStore } from './object-store.ts'

/**
 * Opens the store a location names; `name` is how its errors name it (`ingestion store
 * (INGESTION_STORE)`). An S3 store loads the AWS SDK on its first call, so a command that never
 * touches it (or `--help`) does not pay for loading the SDK.
 */
export function openStore(
  location: StoreLocation,
  s3Endpoint?: string,
  name?: string,
  s3Region?: string,
): ObjectStore {
  if (location.kind === 'folder') return new FolderStore(location.path, name)
  let store: Promise<ObjectStore> | undefined
  const open = () => {
    store ??= import('./s3-store.ts').then(
      ({ S3Store }) =>
        new S3Store({
          bucket: location.bucket,
          prefix: location.prefix,
          endpoint: s3Endpoint,
          region: s3Region,
          name,
        }),
    )
    return store
  }
  return {
    description: `s3://${location.bucket}/${location.prefix === '' ? '' : `${location.prefix.replace(/\/+$/, '')}/`}`,
    put: async (key, body) => (await open()).put(key, body),
    putStream: async (key, body) => (await open()).putStream(key, body),
    createIfAbsent: async (key, body) => (await open()).createIfAbsent(key, body),
    get: async (key) => (await open()).get(key),
    getStream: async (key) => (await open()).getStream(key),
    list: async (prefix) => (await open()).list(prefix),
    delete: async (key) => (await open()).delete(key),
    toLocalFile: async (key, tmpDir) => (await open()).toLocalFile(key, tmpDir),
    putFile: async (key, path) => (await open()).putFile(key, path),
  }
}
