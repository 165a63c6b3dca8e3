/**
 * A fresh PGlite cluster, made once per machine and PGlite version and copied into each new embedded
 * database. PGlite runs initdb in WebAssembly for every new data folder: 5–7 s of CPU here, against about
 * one second to start from a saved cluster. The saved cluster is exactly what initdb made (PGlite's own
 * defaults, nothing added), kept in the OS temp folder as a tar named by its SHA-256 with a pointer file
 * naming the current one; it is checked against that hash before each use and made again when missing,
 * unreadable or altered. It is only a cache: when it cannot be made or read, the caller lets PGlite run
 * initdb as before.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'

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

/** The saved cluster of this PGlite version, when there is one and it matches its hash. */
async function readSaved(folder: string, name: string): Promise<Blob | undefined> {
  try {
    const hash = (await readFile(join(folder, `${name}.current`), 'utf8')).trim()
    const bytes = await readFile(join(folder, `${name}-${hash}.tar`))
    if (sha256(bytes) === hash) return new Blob([bytes])
    await rm(join(folder, `${name}-${hash}.tar`), { force: true })
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

/** Saves a cluster: the tar first, then the pointer naming it (each written aside and renamed in). */
async function save(folder: string, name: string, tar: Blob): Promise<void> {
  const bytes = new Uint8Array(await tar.arrayBuffer())
  const hash = sha256(bytes)
  const part = (file: string) => `${file}.${process.pid}.${randomBytes(3).toString('hex')}`
  await mkdir(folder, { recursive: true })
  const file = join(folder, `${name}-${hash}.tar`)
  const pointer = join(folder, `${name}.current`)
  const tarPart = part(file)
  await writeFile(tarPart, bytes)
  await rename(tarPart, file)
  const pointerPart = part(pointer)
  await writeFile(pointerPart, `${hash}\n`)
  await rename(pointerPart, pointer)
  await removeOthers(folder, name, hash)
}

/** Tars of this version a concurrent maker saved and no pointer names any more. */
async function removeOthers(folder: string, name: string, kept: string): Promise<void> {
  for (const entry of await readdir(folder).catch(() => [] as string[])) {
    if (entry.startsWith(`${name}-`) && entry.endsWith('.tar') && entry !== `${name}-${kept}.tar`)
      await rm(join(folder, entry), { force: true })
  }
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
  const saved = await readSaved(folder, name)
  if (saved) return saved
  let tar: Blob
  try {
    tar = await make()
  } catch {
    return undefined
  }
  // A cluster that cannot be saved still serves this database.
  await save(folder, name, tar).catch(() => undefined)
  return tar
}
