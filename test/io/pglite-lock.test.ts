/**
 * Embedded PostgreSQL (PGlite) serves one process: a second process that opens the same folder waits
 * briefly, then fails with an error naming the holder (pid, command) and what to do; a holder that was
 * killed leaves a lock the next opener takes over. Two real processes, a real folder.
 */
import assert from 'node:assert/strict'
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { UnavailableError } from '../../src/core/errors.ts'
import { exitCodeOf } from '../../src/core/exit-codes.ts'
import { readLockHolder } from '../../src/io/folder-lock.ts'
import { PgliteDatabase } from '../../src/io/pglite-database.ts'
import { RUN_TS } from '../support/run-ts.ts'

const module = (path: string) => JSON.stringify(new URL(`../../src/io/${path}`, import.meta.url).href)

/**
 * A second process that opens the folder (`database`), or only takes its lock as the open does first
 * (`lock`: no PGlite start-up, quicker), says `ready`, and lets go when told (a line on stdin).
 */
async function holder(
  path: string,
  how: 'database' | 'lock' = 'lock',
): Promise<ChildProcessWithoutNullStreams> {
  const open =
    how === 'database'
      ? `const { PgliteDatabase } = await import(${module('pglite-database.ts')})
         const db = await PgliteDatabase.open(${JSON.stringify(path)}, 'warehouse (WAREHOUSE_DB_URL)')
         await db.query('SELECT 1')
         const close = () => db.close()`
      : `const { runLockFolder } = await import(${module('folder-lock.ts')})
         const lock = await runLockFolder(${JSON.stringify(path)}, { what: 'warehouse' })
         const close = async () => lock.release()`
  const code = `${open}
    process.stdout.write('ready\\n')
    process.stdin.once('data', async () => { await close(); process.stdout.write('closed\\n') })`
  const child = spawn(process.execPath, [...RUN_TS, '--input-type=module', '-e', code])
  await until(child, 'ready')
  return child
}

function until(child: ChildProcessWithoutNullStreams, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes(word)) resolve()
    })
    child.once('exit', (code) => reject(new Error(`holder exited ${code} before '${word}': ${err}`)))
  })
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })

describe('embedded database lock across processes', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pglite-lock-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('a second process fails after a short wait, naming the holder, the lock and what to do', async () => {
    const path = join(dir, 'busy')
    const child = await holder(path, 'database')
    try {
      assert.equal(readLockHolder(`${path}.lock`)?.pid, child.pid)
      const started = Date.now()
      await assert.rejects(
        PgliteDatabase.open(path, 'warehouse (WAREHOUSE_DB_URL)', { lockWaitMs: 500 }),
        (e) => {
          assert.ok(e instanceof UnavailableError, String(e))
          assert.equal(exitCodeOf(e), 75)
          assert.match(e.message, new RegExp(`warehouse \\(WAREHOUSE_DB_URL\\) at pglite:${path} is in use`))
          assert.match(e.message, new RegExp(`process ${child.pid} \\(node\\b.*\\) on `))
          assert.match(e.message, /Stop that process first/)
          assert.ok(e.message.includes(`${path}.lock`))
          return true
        },
      )
      assert.ok(Date.now() - started >= 450, 'it waited before giving up')
    } finally {
      child.kill()
      await exited(child)
    }
  })

  it('a second process that waits gets the folder once the holder closes it', async () => {
    const path = join(dir, 'handover')
    const child = await holder(path)
    const closed = until(child, 'closed')
    const opening = PgliteDatabase.open(path, 'warehouse', { lockWaitMs: 30_000 })
    setTimeout(() => child.stdin.write('close\n'), 300)
    await closed
    const db = await opening
    try {
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }])
      assert.equal(readLockHolder(`${path}.lock`)?.pid, process.pid)
    } finally {
      await db.close()
      child.kill()
      await exited(child)
    }
    assert.equal(existsSync(`${path}.lock`), false, 'close removes the lock')
  })

  it('a holder that was killed leaves a lock the next opener takes over', async () => {
    const path = join(dir, 'killed')
    const child = await holder(path)
    child.kill('SIGKILL')
    await exited(child)
    assert.equal(readLockHolder(`${path}.lock`)?.pid, child.pid, 'the dead holder left its lock')
    const db = await PgliteDatabase.open(path, 'warehouse', { lockWaitMs: 0 })
    try {
      assert.equal(readLockHolder(`${path}.lock`)?.pid, process.pid)
    } finally {
      await db.close()
    }
  })
})
