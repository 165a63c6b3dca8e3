/**
 * An ObjectStore on a local folder. Writes go to a temporary file first, then appear atomically. Every
 * failure of the file system is a StoreError naming the store, the path and the reason (read-only, full,
 * no permission), so an operator never has to guess which of several stores broke.
 */

import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { copyFile, link, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { makeFolder } from './make-folder.ts'
import type { ObjectStore } from './object-store.ts'
import { storeCall, toStoreError } from './store-failure.ts'
import { runWalkFiles } from './walk-files.ts'

export class FolderStore implements ObjectStore {
  readonly description: string
  /** How errors name this store, e.g. `ingestion store (INGESTION_STORE)`. */
  private readonly name: string

  constructor(
    private readonly root: string,
    name = 'store',
  ) {
    this.description = root
    this.name = `${name} ${root}`
  }

  private path(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === ''))
      throw new Error(`invalid store key '${key}'`)
    return join(this.root, ...key.split('/'))
  }

  private write<T>(path: string, fn: () => Promise<T>): Promise<T> {
    return storeCall(this.name, 'write', path, fn)
  }

  private async tempFor(target: string): Promise<string> {
    await makeFolder(dirname(target))
    return `${target}.${randomBytes(6).toString('hex')}.tmp`
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const target = this.path(key)
    await this.write(target, async () => {
      const tmp = await this.tempFor(target)
      try {
        await writeFile(tmp, body)
        await rename(tmp, target)
      } catch (error) {
        await rm(tmp, { force: true }).catch(() => {})
        throw error
      }
    })
  }

  async putStream(key: string, body: Readable): Promise<void> {
    const target = this.path(key)
    await this.write(target, async () => {
      let tmp: string
      try {
        tmp = await this.tempFor(target)
      } catch (error) {
        // Nobody will read the body now: end it, or its producer (a COPY) would wait forever.
        body.destroy()
        throw error
      }
      try {
        await pipeline(body, createWriteStream(tmp))
        await rename(tmp, target)
      } catch (error) {
        await rm(tmp, { force: true }).catch(() => {})
        throw error
      }
    })
  }

  async createIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const target = this.path(key)
    return this.write(target, async () => {
      const tmp = await this.tempFor(target)
      try {
        await writeFile(tmp, body)
        // link() fails with EEXIST when the target exists: an atomic create-if-absent of a complete file.
        await link(tmp, target)
        return true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
        throw error
      } finally {
        await unlink(tmp).catch(() => {})
      }
    })
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.path(key)
    try {
      return await readFile(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw toStoreError(this.name, 'read', path, error)
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.path(key)
    try {
      await stat(path) // throws ENOENT now rather than on the first read
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error
      throw toStoreError(this.name, 'read', path, error)
    }
    return createReadStream(path)
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the folder the prefix names, then filter on the rest of it.
    const slash = prefix.lastIndexOf('/')
    const folder = slash < 0 ? this.root : join(this.root, prefix.slice(0, slash))
    const files = await storeCall(this.name, 'list', folder, () => runWalkFiles(folder))
    const out = files
      .filter((f) => !f.endsWith('.tmp'))
      .map((f) => relative(this.root, f).split(sep).join('/'))
    return out.filter((key) => key.startsWith(prefix)).sort()
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key)
    await storeCall(this.name, 'delete', path, () => rm(path, { force: true }))
  }

  async toLocalFile(key: string): Promise<string> {
    const path = this.path(key)
    await stat(path)
    return path
  }

  async putFile(key: string, path: string): Promise<void> {
    const target = this.path(key)
    await this.write(target, async () => {
      const tmp = await this.tempFor(target)
      try {
        await copyFile(path, tmp)
        await rename(tmp, target)
      } catch (error) {
        await rm(tmp, { force: true }).catch(() => {})
        throw error
      }
    })
  }
}
