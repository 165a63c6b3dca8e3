/**
 * A COPY that fails (a source column gone) must fail verify's write of that table, on both kinds of
 * PostgreSQL, even when it fails before the scratch store starts reading: never hang, never crash.
 */
import assert from 'node:assert/strict'
import type { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { FolderStore } from '../../src/io/folder-store.ts'
import { runCopyToScratch } from '../../src/verify/copy-to-scratch.ts'
import { noProgress } from '../../src/verify/verify-progress.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { createTempStore } from '../support/source-fixture.ts'

/** A folder store that takes its time before it reads a stream (as a real one may, creating folders). */
class SlowStore extends FolderStore {
  override async putStream(key: string, body: Readable): Promise<void> {
    await sleep(200)
    return super.putStream(key, body)
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`copy to scratch on ${kind} PostgreSQL`, () => {
    let db: TestDatabase | undefined
    let dir: Awaited<ReturnType<typeof createTempStore>>
    before(async () => {
      db = await createTestDatabase(kind)
      dir = await createTempStore()
    })
    after(async () => {
      await db?.drop()
      await dir.remove()
    })

    it('writes the rows, and turns a failing COPY into a rejection even before the store reads', async (t) => {
      if (!db) return t.skip('no PostgreSQL server reachable')
      const scratch = new SlowStore(dir.dir)
      let rows = 0
      const progress = { ...noProgress, advance: (n: number) => (rows += n) }
      await runCopyToScratch(
        db.db,
        'SELECT g AS n FROM generate_series(1, 3) AS g',
        scratch,
        'ok.csv',
        progress,
      )
      assert.equal(new TextDecoder().decode(await scratch.get('ok.csv')), 'n\n1\n2\n3\n')
      assert.equal(rows, 3)
      await db.db.transaction(async (tx) => {
        await tx.exec('SAVEPOINT s')
        await assert.rejects(
          runCopyToScratch(tx, 'SELECT nope FROM pg_class', scratch, 'bad.csv', noProgress),
          /column "nope" does not exist/,
        )
        await tx.exec('ROLLBACK TO SAVEPOINT s')
        const [row] = await tx.query<{ one: number }>('SELECT 1 AS one')
        assert.equal(row?.one, 1, 'the transaction carries on after the savepoint')
      })
    })
  })
}
