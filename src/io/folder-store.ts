/** An ObjectStore on a local folder. Writes go to a temporary file first, then appear atomically. */

import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { copyFile, link, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ObjectStore } from './object-store.ts'
import { runWalkFiles } from './walk-files.ts'

export class FolderStore implements ObjectStore {
  readonly description: string
  constructor(private readonly root: string) {
    this.description = root
  }

  private path(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === ''))
      throw new Error(`invalid store key '${key}'`)
    return join(this.root, ...key.split('/'))
  }

  private async tempFor(target: string): Promise<string> {
    await mkdir(dirname(target), { recursive: true })
    return `${target}.${randomBytes(6).toString('hex')}.tmp`
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const target = this.path(key)
    const tmp = await this.tempFor(target)
    await writeFile(tmp, body)
    await rename(tmp, target)
  }

  async putStream(key: string, body: Readable): Promise<void> {
    const target = this.path(key)
    const tmp = await this.tempFor(target)
    try {
      await pipeline(body, createWriteStream(tmp))
      await rename(tmp, target)
    } catch (error) {
      await rm(tmp, { force: true })
      throw error
    }
  }

  async createIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const target = this.path(key)
    const tmp = await this.tempFor(target)
    await writeFile(tmp, body)
    try {
      // link() fails with EEXIST when the target exists: an atomic create-if-absent of a complete file.
      await link(tmp, target)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    } finally {
      await unlink(tmp).catch(() => {})
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(key))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.path(key)
    await stat(path) // throws ENOENT now rather than on the first read
    return createReadStream(path)
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the folder the prefix names, then filter on the rest of it.
    const slash = prefix.lastIndexOf('/')
    const files = await runWalkFiles(slash < 0 ? this.root : join(this.root, prefix.slice(0, slash)))
    const out = files
      .filter((f) => !f.endsWith('.tmp'))
      .map((f) => relative(this.root, f).split(sep).join('/'))
    return out.filter((key) => key.startsWith(prefix)).sort()
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true })
  }

  async toLocalFile(key: string): Promise<string> {
    const path = this.path(key)
    await stat(path)
    return path
  }

  async putFile(key: string, path: string): Promise<void> {
    const target = this.path(key)
    const tmp = await this.tempFor(target)
    await copyFile(path, tmp)
    await rename(tmp, target)
  }
}
