/**
 * Real PostgreSQL for tests: an embedded PGlite always, and a fresh database on the local server when it
 * is reachable (CI starts it). Nothing is mocked.
 *
 * Starting databases is the suite's main cost, so the expensive starts are made once and copied: an
 * embedded database starts from a saved data folder (PGlite's `loadDataDir`: no initdb, seconds less
 * each), kept as a file in the temp folder per PGlite version; a prepared server database (the snapshot
 * source) is a template, copied with `CREATE DATABASE … TEMPLATE`. Each copy is a new, private database.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { Database } from '../../src/io/database.ts'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { DataDirTar } from '../../src/io/pglite-data-tar.ts'
import { PgliteDatabase } from '../../src/io/pglite-database.ts'
import { freshClusterFolder, freshClusterTar } from '../../src/io/pglite-fresh-cluster.ts'

export const SERVER_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

let reachable: Promise<boolean> | undefined
/** True when the local PostgreSQL server answers. */
export function serverReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: SERVER_ADMIN_URL, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      await client.end()
      return true
    } catch {
      return false
    }
  })()
  return reachable
}

export interface TestDatabase {
  readonly db: Database
  /** A URL for the server database (for CLI runs), or `pglite:memory`-like description. */
  readonly url: string
  drop(): Promise<void>
}

/** A prepared database: made once by `fill` on an empty one, then copied for each test that asks. */
export interface DatabaseTemplate {
  /** A short name (lower case, digits, underscores). */
  readonly name: string
  /** Changes whenever what `fill` makes would change (a hash of its inputs). */
  readonly key: string
  fill(db: Database): Promise<void>
}

function serverUrl(database: string): string {
  const url = new URL(SERVER_ADMIN_URL)
  url.pathname = `/${database}`
  return url.toString()
}

async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: SERVER_ADMIN_URL })
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.end()
  }
}

/** Templates of older keys kept on the server (other worktrees may still copy them). */
const KEPT_TEMPLATES = 20
const serverTemplates = new Map<string, Promise<string>>()

/** The server database of a template, made under an advisory lock by the first process that needs it. */
function serverTemplate(template: DatabaseTemplate): Promise<string> {
  const name = `etl_tpl_${template.name}_${template.key}`
  let made = serverTemplates.get(name)
  if (!made) {
    made = withAdmin(async (admin) => {
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name])
      try {
        const found = await admin.query<{ datistemplate: boolean }>(
          'SELECT datistemplate FROM pg_database WHERE datname = $1',
          [name],
        )
        if (found.rows[0]?.datistemplate === true) return name
        // A half-made template (its maker died) is made again.
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await admin.query(`CREATE DATABASE ${name}`)
        const db = new PgDatabase(serverUrl(name))
        try {
          await template.fill(db)
        } finally {
          await db.close()
        }
        await admin.query(`ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`)
        const older = await admin.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE datistemplate AND datname LIKE $1 AND datname <> $2
           ORDER BY oid DESC OFFSET ${KEPT_TEMPLATES - 1}`,
          [`etl\\_tpl\\_${template.name}\\_%`, name],
        )
        for (const { datname } of older.rows) {
          await admin.query(`ALTER DATABASE ${datname} WITH IS_TEMPLATE false`)
          await admin.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined)
        }
        return name
      } finally {
        await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name])
      }
    })
    made.catch(() => serverTemplates.delete(name))
    serverTemplates.set(name, made)
  }
  return made
}

/** A new database on the local server, empty or a copy of a template, dropped by `drop()`. */
export async function createServerDatabase(template?: DatabaseTemplate): Promise<TestDatabase> {
  const name = `etl_test_${randomBytes(5).toString('hex')}`
  const from = template ? ` TEMPLATE ${await serverTemplate(template)}` : ''
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}${from}`))
  const url = serverUrl(name)
  const db = new PgDatabase(url)
  return {
    db,
    url,
    async drop() {
      await db.close()
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    },
  }
}

const PGLITE_VERSION = (
  JSON.parse(
    readFileSync(
      fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url)),
      'utf8',
    ),
  ) as { version: string }
).version
const CACHE_DIR = join(tmpdir(), 'totesys-etl-test-databases')
const savedData = new Map<string, Promise<Blob>>()

/** A maker that has held its lock this long is taken for dead (making takes about a minute at load 25). */
const STALE_LOCK_MS = 180_000

/**
 * A saved PGlite data folder (a tar) of a template, `<kin><key>.tar`, made once per machine by `make` and
 * kept in the temp folder. One process makes it under a lock file while the others wait for it: on two
 * cores, three processes making the same folder at once would each take three times as long.
 */
function savedPgliteData(kin: string, key: string, make: () => Promise<Blob>): Promise<Blob> {
  const file = `${kin}${key}.tar`
  let saved = savedData.get(file)
  if (!saved) {
    saved = makeOnce(join(CACHE_DIR, file), make, kin)
    saved.catch(() => savedData.delete(file))
    savedData.set(file, saved)
  }
  return saved
}

/**
 * Saved folders kept per template (the newest by time written): each is ~64 MB, a new one is made whenever
 * the code it is keyed by changes, and the folder may be in memory (scripts/run-tests.mjs puts TMPDIR in
 * /dev/shm). A process still reading an older one keeps its open file; one about to read it makes it again.
 */
const SAVED_PER_TEMPLATE = 4

async function pruneSaved(kin: string): Promise<void> {
  const saved = (await readdir(CACHE_DIR)).filter((f) => f.startsWith(kin) && f.endsWith('.tar'))
  const written = await Promise.all(
    saved.map(async (f) => ({
      f,
      at: await stat(join(CACHE_DIR, f)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    })),
  )
  written.sort((a, b) => b.at - a.at)
  for (const { f } of written.slice(SAVED_PER_TEMPLATE)) await rm(join(CACHE_DIR, f), { force: true })
}

async function makeOnce(path: string, make: () => Promise<Blob>, kin: string): Promise<Blob> {
  const lock = `${path}.lock`
  await mkdir(CACHE_DIR, { recursive: true })
  for (;;) {
    try {
      return new DataDirTar(await readFile(path))
    } catch {}
    let held: FileHandle
    try {
      held = await open(lock, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const since = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      )
      if (since > STALE_LOCK_MS) await rm(lock, { force: true })
      else await sleep(250)
      continue
    }
    try {
      const bytes = new Uint8Array(await (await make()).arrayBuffer())
      const part = `${path}.${process.pid}.${randomBytes(3).toString('hex')}`
      await writeFile(part, bytes)
      await rename(part, path)
      await pruneSaved(kin)
      return new DataDirTar(bytes)
    } finally {
      await held.close()
      await rm(lock, { force: true })
    }
  }
}

async function dump(db: PgliteDatabase): Promise<Blob> {
  await db.exec('CHECKPOINT')
  // PgliteDatabase keeps its PGlite private: the saved folder is the one thing the tests take from it.
  const pglite = (db as unknown as { db?: { dumpDataDir?(c: 'none'): Promise<Blob> } }).db
  if (typeof pglite?.dumpDataDir !== 'function')
    throw new Error('test/support/databases.ts: PgliteDatabase no longer keeps its PGlite as `db`')
  const blob = await pglite.dumpDataDir('none')
  await db.close()
  return blob
}

/** A freshly initialised PGlite data folder: the machine's saved fresh cluster, as a new database gets. */
async function emptyPgliteData(): Promise<Blob> {
  const tar = await freshClusterTar()
  if (!tar) throw new Error(`no fresh PGlite cluster could be made (is ${freshClusterFolder()} writable?)`)
  return tar
}

/** A new in-memory embedded database, empty or a copy of a template. */
export async function createEmbeddedDatabase(template?: DatabaseTemplate): Promise<TestDatabase> {
  const data = template
    ? await savedPgliteData(`pglite-${PGLITE_VERSION}-${template.name}-`, template.key, async () => {
        const db = await PgliteDatabase.open(undefined, 'database', { loadDataDir: await emptyPgliteData() })
        await template.fill(db)
        return dump(db)
      })
    : await emptyPgliteData()
  const db = await PgliteDatabase.open(undefined, 'database', { loadDataDir: data })
  return { db, url: 'pglite:memory', drop: () => db.close() }
}

export type DatabaseKind = 'server' | 'embedded'
export const DATABASE_KINDS: readonly DatabaseKind[] = ['embedded', 'server']

/** Creates a database of a kind; for 'server', undefined when no server is reachable. */
export async function createTestDatabase(
  kind: DatabaseKind,
  template?: DatabaseTemplate,
): Promise<TestDatabase | undefined> {
  if (kind === 'embedded') return createEmbeddedDatabase(template)
  return (await serverReachable()) ? createServerDatabase(template) : undefined
}

/** A hash of the files under some folders of the project (those that exist), to key a template by. */
export function hashOfFiles(...folders: string[]): string {
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const hash = createHash('sha256')
  const walk = (dir: string) => {
    let entries: string[]
    try {
      entries = readdirSync(join(root, dir)).sort()
    } catch {
      return
    }
    for (const name of entries) {
      const path = join(dir, name)
      if (name.endsWith('.test.ts')) continue
      try {
        hash.update(path).update(readFileSync(join(root, path)))
      } catch {
        walk(path)
      }
    }
  }
  for (const folder of folders) walk(folder)
  return hash.digest('hex').slice(0, 12)
}
