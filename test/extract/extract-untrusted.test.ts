/** Anything that reaches SQL from outside is checked first: a tampered manifest cannot inject SQL. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runExtract } from '../../src/extract/run-extract.ts'
import { memoryLog } from '../../src/log.ts'
import type { TestDatabase } from '../support/databases.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

describe('extract with untrusted input', () => {
  let source: TestDatabase | undefined
  before(async () => {
    source = await createSnapshotSource('embedded')
  })
  after(async () => source?.drop())

  it('refuses a manifest whose cursor carries SQL, and runs none of it', async () => {
    assert.ok(source)
    const { store, remove } = await createTempStore()
    try {
      await runExtract({ source: source.db, ingestion: store, log: memoryLog() }, { lagMs: 1000 })
      const text = new TextDecoder().decode(await store.get('_manifests/0000000001.json'))
      const evil = text.replace(
        /"hi": "([^"]+)"/,
        `"hi": "2024-01-01 00:00:00'::timestamp); DROP TABLE payment; --"`,
      )
      assert.notEqual(evil, text)
      await store.put('_manifests/0000000001.json', evil)
      await assert.rejects(
        runExtract({ source: source.db, ingestion: store, log: memoryLog() }, { lagMs: 1000 }),
        /does not parse/,
      )
      const [row] = await source.db.query<{ n: number }>('SELECT count(*)::int AS n FROM payment')
      assert.equal(row?.n, 9899)
    } finally {
      await remove()
    }
  })
})
