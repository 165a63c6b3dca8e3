/**
 * What the manifest protocol needs of a store: the few methods of io's ObjectStore it calls, declared
 * here so core/ imports nothing from the layers above it (an ObjectStore fits structurally).
 */
export interface ManifestStore {
  readonly description: string
  get(key: string): Promise<Uint8Array | undefined>
  createIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>
  delete(key: string): Promise<void>
}
