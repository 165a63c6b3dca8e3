/**
 * A fresh PGlite cluster, made once per machine and PGlite version and copied into each new embedded
 * database. PGlite runs initdb in WebAssembly for every new data folder: 5–7 s of CPU here, against about
 * one second to start from a saved cluster. The saved cluster is exactly what initdb made (PGlite's own
 * defaults, nothing added), kept in the OS temp folder as a tar named by its SHA-256 with a pointer file
 * naming the current one; it is checked against that hash before each use and made again when missing,
 * unreadable or altered. It is only a cache: when it cannot be made or read, the caller lets PGlite run
 * initdb as before.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { FolderStore } from './folder-store.ts'
import { getText } from './object-store.ts'
import { DataDirTar } from './pglite-data-tar.ts'

/** Where the saved clusters live; another folder in tests that must not share one. */
export function freshClusterFolder(): string {
  return join(tmpdir(), 'totesys-etl-pglite')
}

let version: string | undefined
function pgliteVersion(): string {
  version ??= (
    JSON.parse(
      readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite')), 'utf8'),
    ) as { version: string }
  ).version
  return version
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** The last saved cluster this process checked, with the file's identity then: not read and hashed again. */
let checked: { readonly path: string; readonly stamp: string; readonly tar: DataDirTar } | undefined

/**
 * The saved cluster of this PGlite version, when there is one and it matches its hash. One that does not
 * is deleted with its pointer, so the next maker can name its own. A tar this process already checked is
 * served from memory while its file is unchanged (40 MB read and hashed at every new database otherwise).
 */
async function readSaved(cache: FolderStore, folder: string, name: string): Promise<Blob | undefined> {
  try {
    const hash = (await getText(cache, `${name}.current`))?.trim()
    if (!hash) return undefined
    const key = `${name}-${hash}.tar`
    const path = join(folder, key)
    const file = await stat(path).catch(() => undefined)
    const stamp = file ? `${file.ino}:${file.size}:${file.mtimeMs}` : ''
    if (checked && checked.path === path && checked.stamp === stamp) return checked.tar
    const bytes = await cache.get(key)
    if (bytes && sha256(bytes) === hash) {
      const tar = new DataDirTar(bytes)
      checked = { path, stamp, tar }
      return tar
    }
    await cache.delete(key)
    await cache.delete(`${name}.current`)
  } catch {}
  return undefined
}

/** Runs initdb once, in memory, and returns the cluster it made. */
async function makeFresh(): Promise<Blob> {
  const db = new PGlite()
  try {
    await db.waitReady
    await db.exec('CHECKPOINT')
    return await db.dumpDataDir('none')
  } finally {
    await db.close()
  }
}

/**
 * Saves a cluster: the tar first, then the pointer naming it, created only if absent. Processes that start
 * at once on an empty cache each make a cluster; the first pointer wins and the others delete their own
 * tar. A pointer is never replaced while it names a tar, so no one deletes the tar a pointer names (a
 * cleaner that pruned "the other tars" after writing its pointer raced exactly so).
 */
async function save(cache: FolderStore, name: string, tar: Blob): Promise<void> {
  const bytes = new Uint8Array(await tar.arrayBuffer())
  const hash = sha256(bytes)
  await cache.put(`${name}-${hash}.tar`, bytes)
  if (!(await cache.createIfAbsent(`${name}.current`, `${hash}\n`))) await cache.delete(`${name}-${hash}.tar`)
}

/**
 * A tar of a fresh cluster for PGlite's `loadDataDir`, or undefined when none can be had: PGlite then runs
 * initdb itself. A cluster that cannot be saved (a read-only temp folder, a full disk) is still returned.
 * `make` is initdb in memory; the tests of the saving and checking give a cheaper one.
 */
export async function freshClusterTar(
  folder = freshClusterFolder(),
  make: () => Promise<Blob> = makeFresh,
): Promise<Blob | undefined> {
  const name = `pglite-${pgliteVersion()}-fresh`
  const cache = new FolderStore(folder, 'PGlite cluster cache')
  const saved = await readSaved(cache, folder, name)
  if (saved) return saved
  let tar: Blob
  try {
    tar = await make()
  } catch {
    return undefined
  }
  // A cluster that cannot be saved still serves this database.
  await save(cache, name, tar).catch(() => undefined)
  return tar
}
