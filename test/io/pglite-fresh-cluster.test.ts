/**
 * A new embedded database starts from the machine's saved fresh cluster instead of running initdb again.
 * The saving and checking run with a maker that counts its calls (a real initdb costs 5–7 s of CPU each):
 * made once and read back, an altered tar is never served (it is made again), a temp folder that cannot
 * be written still yields what was made. Then the real thing: a database opened on a new folder is a copy
 * of the saved cluster (initdb gives every cluster its own system identifier: copies share it).
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { PgliteDatabase } from '../../src/io/pglite-database.ts'
import { freshClusterFolder, freshClusterTar } from '../../src/io/pglite-fresh-cluster.ts'

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const bytesOf = async (blob: Blob | undefined) => {
  assert.ok(blob, 'a fresh cluster')
  return new Uint8Array(await blob.arrayBuffer())
}

/** A maker standing in for initdb: different bytes each call, and a count of the calls. */
function countingMaker() {
  const made: string[] = []
  const make = async () => {
    const bytes = randomBytes(64 * 1024)
    made.push(sha256(bytes))
    return new Blob([bytes])
  }
  return { make, made }
}

/** The pointer's hash and the tar files of a cache folder. */
function cacheOf(folder: string): { current: string; tars: string[] } {
  const entries = readdirSync(folder)
  const pointer = entries.find((e) => e.endsWith('.current'))
  assert.ok(pointer, `a pointer file in ${entries.join(', ')}`)
  return {
    current: readFileSync(join(folder, pointer), 'utf8').trim(),
    tars: entries.filter((e) => e.endsWith('.tar')),
  }
}

async function systemIdentifier(path: string): Promise<string> {
  const db = await PgliteDatabase.open(path)
  try {
    const [row] = await db.query<{ id: string }>(
      'SELECT system_identifier::text AS id FROM pg_control_system()',
    )
    await db.exec('CREATE TABLE kept (x int); INSERT INTO kept VALUES (1)')
    return String(row?.id)
  } finally {
    await db.close()
  }
}

describe('the saved fresh PGlite cluster', () => {
  let scratch: string
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'fresh-cluster-'))
  })
  after(() => rm(scratch, { recursive: true, force: true }))

  it('is made once, saved under its hash, read back unchanged; an altered one is made again', async () => {
    const folder = join(scratch, 'cache')
    const { make, made } = countingMaker()
    const first = await bytesOf(await freshClusterTar(folder, make))
    const saved = cacheOf(folder)
    assert.deepEqual(made, [sha256(first)])
    assert.equal(saved.current, made[0])
    assert.equal(saved.tars.length, 1)
    assert.match(saved.tars[0] as string, new RegExp(`^pglite-[\\d.]+-fresh-${saved.current}\\.tar$`))
    const tar = join(folder, saved.tars[0] as string)
    const madeAt = (await stat(tar)).mtimeMs
    assert.equal(sha256(await bytesOf(await freshClusterTar(folder, make))), made[0])
    assert.equal(made.length, 1, 'read back, not made again')
    assert.equal((await stat(tar)).mtimeMs, madeAt)

    const bytes = readFileSync(tar)
    const middle = bytes.length >> 1
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff
    writeFileSync(tar, bytes)
    const served = await bytesOf(await freshClusterTar(folder, make))
    assert.equal(made.length, 2, 'the altered tar was not served: a new cluster was made')
    assert.equal(sha256(served), made[1])
    const after = cacheOf(folder)
    assert.equal(after.current, made[1])
    assert.deepEqual(after.tars, [(saved.tars[0] as string).replace(saved.current, after.current)])
  })

  it('makers that start at once on an empty cache leave one tar, the one the pointer names', async () => {
    const folder = join(scratch, 'race')
    const makers = Array.from({ length: 6 }, countingMaker)
    // Each maker finishes at its own time, so the puts and the pointer's creation interleave.
    const served = await Promise.all(
      makers.map(({ make }, i) =>
        freshClusterTar(folder, () => new Promise((r) => setTimeout(r, (i * 7) % 5)).then(make)),
      ),
    )
    for (const [i, tar] of served.entries()) assert.equal(sha256(await bytesOf(tar)), makers[i]?.made[0])
    const saved = cacheOf(folder)
    assert.deepEqual(saved.tars, [`pglite-${saved.tars[0]?.split('-')[1]}-fresh-${saved.current}.tar`])
    const { make, made } = countingMaker()
    assert.equal(sha256(await bytesOf(await freshClusterTar(folder, make))), saved.current)
    assert.equal(made.length, 0, 'the saved one is read back')
  })

  it('a temp folder that cannot be written still gives the cluster it made', async () => {
    const blocked = join(scratch, 'a-file')
    writeFileSync(blocked, 'not a folder')
    const { make, made } = countingMaker()
    const served = await bytesOf(await freshClusterTar(join(blocked, 'cache'), make))
    assert.deepEqual(made, [sha256(served)])
  })

  it('a maker that fails gives nothing, so PGlite runs initdb itself', async () => {
    const folder = join(scratch, 'failing')
    const tar = await freshClusterTar(folder, () => Promise.reject(new Error('initdb failed')))
    assert.equal(tar, undefined)
  })

  it('new folders start as copies of the saved cluster and keep what they were given', async () => {
    const first = await systemIdentifier(join(scratch, 'db-1'))
    const second = await systemIdentifier(join(scratch, 'db-2'))
    assert.equal(first, second, 'both copies of one cluster (initdb would give each its own identifier)')
    const saved = cacheOf(freshClusterFolder())
    assert.ok(saved.tars.some((t) => t.endsWith(`-${saved.current}.tar`)))
    // A folder that holds a cluster is opened as it is, not overwritten by the saved one.
    const db = await PgliteDatabase.open(join(scratch, 'db-1'))
    try {
      assert.deepEqual(await db.query('SELECT x FROM kept'), [{ x: 1 }])
    } finally {
      await db.close()
    }
  })
})
