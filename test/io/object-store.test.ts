/** One behaviour for both stores: the folder and S3 (a real S3-compatible server through the real SDK). */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import type { ObjectStore } from '../../src/io/object-store.ts'
import { getText } from '../../src/io/object-store.ts'
import { S3Store } from '../../src/io/s3-store.ts'
import { startTestS3, type TestS3 } from '../support/s3-server.ts'
import { createTempStore } from '../support/source-fixture.ts'

let s3: TestS3
let tmp: string
before(async () => {
  s3 = await startTestS3()
  await s3.createBucket('lake')
  tmp = await mkdtemp(join(tmpdir(), 'store-test-'))
})
after(async () => {
  await s3.close()
  await rm(tmp, { recursive: true, force: true })
})

const makers: Record<string, () => Promise<ObjectStore>> = {
  folder: async () => (await createTempStore()).store,
  s3: async () =>
    new S3Store({
      bucket: 'lake',
      prefix: `p${Math.random().toString(36).slice(2)}/x`,
      endpoint: s3.endpoint,
    }),
}

for (const [name, make] of Object.entries(makers)) {
  describe(`${name} store`, () => {
    it('puts, gets, lists in key order and deletes', async () => {
      const store = await make()
      await store.put('b/year=2024/one.txt', 'one')
      await store.put('a/two.txt', new TextEncoder().encode('two'))
      await store.putStream('b/year=2024/three.txt', Readable.from(['thr', 'ee']))
      assert.equal(await getText(store, 'b/year=2024/three.txt'), 'three')
      assert.equal(await store.get('missing.txt'), undefined)
      assert.deepEqual(await store.list('b/'), ['b/year=2024/one.txt', 'b/year=2024/three.txt'])
      assert.deepEqual(await store.list(''), ['a/two.txt', 'b/year=2024/one.txt', 'b/year=2024/three.txt'])
      await store.delete('a/two.txt')
      await store.delete('a/never.txt')
      assert.deepEqual(await store.list('a/'), [])
    })

    it('creates an object only when absent, once among concurrent writers', async () => {
      const store = await make()
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          store.createIfAbsent('_manifests/0000000001.json', `writer ${i}`),
        ),
      )
      assert.equal(results.filter(Boolean).length, 1)
      const winner = results.indexOf(true)
      assert.equal(await getText(store, '_manifests/0000000001.json'), `writer ${winner}`)
      assert.equal(await store.createIfAbsent('_manifests/0000000001.json', 'late'), false)
    })

    it('moves files to and from local paths', async () => {
      const store = await make()
      const file = join(tmp, `${name}.bin`)
      await writeFile(file, Buffer.from([1, 2, 3]))
      await store.putFile('f/data.bin', file)
      const local = await store.toLocalFile('f/data.bin', join(tmp, name))
      assert.deepEqual([...(await readFile(local))], [1, 2, 3])
      await assert.rejects(store.getStream('f/none.bin'))
    })
  })
}

describe('folder store keys', () => {
  it('refuses keys that climb out of the root', async () => {
    const { store, remove } = await createTempStore()
    await assert.rejects(store.put('../escape.txt', 'x'), /invalid store key/)
    await assert.rejects(store.put('a//b', 'x'), /invalid store key/)
    await remove()
  })
})
