/**
 * A store that cannot be written says so: which store, which path, why; within bounded time (Node's
 * recursive mkdir never settled under /proc), and without leaving a stream's producer waiting.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { AccessError, StoreError } from '../../src/core/errors.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import { makeFolder } from '../../src/io/make-folder.ts'
import { PgliteDatabase } from '../../src/io/pglite-database.ts'
import { S3Store } from '../../src/io/s3-store.ts'
import { startTestS3, type TestS3 } from '../support/s3-server.ts'

let tmp: string
let s3: TestS3
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'store-failures-'))
  s3 = await startTestS3()
})
after(async () => {
  await rm(tmp, { recursive: true, force: true })
  await s3.close()
})

const NAME = 'ingestion store (INGESTION_STORE)'
const storeError = (pattern: RegExp) => (error: unknown) =>
  error instanceof StoreError && pattern.test(error.message) && error.message.startsWith(NAME)

describe('folder store failures', () => {
  it('under /proc: a store write error with the path, at once (no endless mkdir)', async () => {
    const store = new FolderStore('/proc/totesys-etl-test/ingestion', NAME)
    await assert.rejects(
      store.put('a/b.txt', 'x'),
      storeError(
        /cannot write \/proc\/totesys-etl-test\/ingestion\/a\/b\.txt: the folder cannot be created there \(ENOENT\)/,
      ),
    )
    await assert.rejects(store.createIfAbsent('_manifests/0000000001.json', '{}'), storeError(/ENOENT/))
  })

  it('where a file stands in the path: ENOTDIR, named', async () => {
    const file = join(tmp, 'a-file')
    await writeFile(file, 'x')
    const store = new FolderStore(join(file, 'store'), NAME)
    await assert.rejects(
      store.put('k.txt', 'x'),
      storeError(/a path segment is a file, not a folder \(ENOTDIR\)/),
    )
    await assert.rejects(store.putFile('k.txt', file), storeError(/ENOTDIR/))
  })

  it('on a file system that refuses (sysfs): EPERM or EACCES, named', async () => {
    const store = new FolderStore('/sys/totesys-etl-test', NAME)
    await assert.rejects(store.put('k.txt', 'x'), storeError(/\((EPERM|EACCES|EROFS)\)$/))
  })

  it('ends a stream it cannot write, so the producer (a COPY) does not wait forever', async () => {
    const store = new FolderStore('/proc/totesys-etl-test/stream', NAME)
    const body = new PassThrough()
    body.write('partial')
    await assert.rejects(store.putStream('a/b.csv.gz', body), storeError(/ENOENT/))
    assert.equal(body.destroyed, true)
  })

  it('makeFolder is bounded by the depth of the path', async () => {
    await assert.rejects(
      makeFolder('/proc/x/y/z/w/v'),
      /ENOENT: no such file or directory, mkdir '\/proc\/x'/,
    )
    await makeFolder(join(tmp, 'a', 'b', 'c'))
    await makeFolder(join(tmp, 'a', 'b', 'c'))
  })
})

describe('S3 store failures', () => {
  it('a bucket that does not exist: a store write error with the object', async () => {
    const store = new S3Store({ bucket: 'no-such-bucket', prefix: 'lake', endpoint: s3.endpoint, name: NAME })
    await assert.rejects(
      store.put('a/b.txt', 'x'),
      storeError(
        /cannot write s3:\/\/no-such-bucket\/lake\/a\/b\.txt: the bucket does not exist \(NoSuchBucket\)/,
      ),
    )
    await assert.rejects(store.createIfAbsent('m.json', '{}'), storeError(/NoSuchBucket/))
    await assert.rejects(store.list(''), storeError(/cannot list .*NoSuchBucket/))
    await assert.rejects(store.get('a/b.txt'), storeError(/cannot read .*NoSuchBucket/))
  })
})

describe('an embedded database whose folder cannot be made', () => {
  it('is an AccessError naming the system and the path', async () => {
    await assert.rejects(
      PgliteDatabase.open('/proc/totesys-etl-test/db', 'source (TOTESYS_DB_URL)'),
      (e: unknown) =>
        e instanceof AccessError &&
        /cannot open the embedded source \(TOTESYS_DB_URL\) at pglite:\/proc\/totesys-etl-test\/db: cannot create its folder \(ENOENT\)/.test(
          e.message,
        ),
    )
  })
})
