/**
 * A lock that one process holds on an embedded database's folder. PGlite runs PostgreSQL inside the
 * process that opens it, and has no lock of its own: a second process opening the same folder (a
 * `status` while `start` runs) can read half-written pages or corrupt them. The lock is a file beside
 * the folder (`<folder>.lock`), created exclusively, naming its holder (pid, command, host, since); it is
 * removed on close and when the process exits. A lock whose holder is gone (killed) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename } from 'node:path'
import { UnavailableError } from '../core/errors.ts'
import { redactText } from '../core/redact.ts'

export interface LockHolder {
  readonly pid: number
  readonly command: string
  readonly host: string
  readonly since: string
}

export interface FolderLock {
  readonly path: string
  /** Removes the lock (once; later calls do nothing). */
  release(): void
}

export interface LockOptions {
  /** How errors name the folder's database: `warehouse (WAREHOUSE_DB_URL) at pglite:/…`. */
  readonly what: string
  /** How long to wait for a holder to let go before failing; default 2 s. */
  readonly waitMs?: number
}

/** Locks this process holds, removed if it exits without closing them. */
const held = new Set<string>()
let exitHook = false

/** This process, as a lock names it: `totesys-etl status`, credentials redacted. */
function thisCommand(): string {
  const [, script = 'node', ...args] = process.argv
  const name = basename(script).replace(/\.(m?js|ts)$/, '')
  return redactText([name, ...args].join(' ')).slice(0, 200)
}

function tryCreate(path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  const holder: LockHolder = {
    pid: process.pid,
    command: thisCommand(),
    host: hostname(),
    since: new Date().toISOString(),
  }
  try {
    writeSync(fd, JSON.stringify(holder))
  } finally {
    closeSync(fd)
  }
  return true
}

/** The holder a lock file names, or undefined when it cannot be read (being written, or just removed). */
export function readLockHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>
    return typeof parsed.pid === 'number' ? (parsed as LockHolder) : undefined
  } catch {
    return undefined
  }
}

/** Whether a holder on this host is still running (a holder on another host is taken to be). */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes a lock whose holder is gone, if it still names that holder. */
function takeOverStale(path: string, holder: LockHolder): void {
  const now = readLockHolder(path)
  if (now?.pid !== holder.pid || now.since !== holder.since) return
  try {
    unlinkSync(path)
  } catch {
    // Another process took it over first.
  }
}

function inUse(path: string, holder: LockHolder | undefined, what: string): UnavailableError {
  const who = holder
    ? `process ${holder.pid} (${holder.command}) on ${holder.host}, since ${holder.since}`
    : 'another process'
  return new UnavailableError(
    `the embedded ${what} is in use by ${who}: embedded PostgreSQL (PGlite) serves one process at a time. Stop that process first (its status page shows what \`status\` would), or point both at a PostgreSQL server (postgres:// URLs); if no such process runs, delete ${path}`,
  )
}

/** Takes the lock of an embedded database's folder, waiting up to `waitMs` for a holder to let go. */
export async function runLockFolder(folder: string, options: LockOptions): Promise<FolderLock> {
  const path = `${folder}.lock`
  const deadline = Date.now() + (options.waitMs ?? 2000)
  for (;;) {
    if (tryCreate(path)) break
    const holder = readLockHolder(path)
    if (holder && !isAlive(holder)) {
      takeOverStale(path, holder)
      continue
    }
    if (Date.now() >= deadline) throw inUse(path, holder, options.what)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  held.add(path)
  if (!exitHook) {
    exitHook = true
    process.once('exit', () => {
      for (const p of held) removeQuietly(p)
    })
  }
  return {
    path,
    release() {
      if (!held.delete(path)) return
      removeQuietly(path)
    },
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Already gone.
  }
}
