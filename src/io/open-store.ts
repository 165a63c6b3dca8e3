import type { StoreLocation } from '../config.ts'
import { FolderStore } from './folder-store.ts'
import type { ObjectStore } from './object-store.ts'
import { S3Store } from './s3-store.ts'

/** Opens the store a location names. */
export function openStore(location: StoreLocation, s3Endpoint?: string): ObjectStore {
  return location.kind === 'folder'
    ? new FolderStore(location.path)
    : new S3Store({ bucket: location.bucket, prefix: location.prefix, endpoint: s3Endpoint })
}
