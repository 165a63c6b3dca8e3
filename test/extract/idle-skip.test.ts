/**
 * An idle poll reads no table when the source proves nothing was committed since the last complete
 * read, and every doubt means a read: a change, a transaction open across the read, another run's
 * batch, a read cut at its row limit, a table that failed. On the shared test server other suites
 * commit at any moment, so there only "never misses a change" is asserted; "skips when idle" is
 * asserted on PGlite, which nothing else writes to (and measured on a quiet server by `npm run bench`).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { runExtract } from '../../src/extract/run-extract.ts'
import { memoryLog } from '../../src/log.ts'
import { DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { readBatch } from '../support/read-batch.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const LAG = { lagMs: 5_000 }

for (const kind of DATABASE_KINDS) {
  describe(`idle polls on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    before(async () => {
      source = await createSnapshotSource(kind)
    })
    after(async () => {
      await source?.drop()
    })
    const extract = (s: TestDatabase, store: Parameters<typeof runExtract>[0]['ingestion'], input = {}) =>
      runExtract({ source: s.db, ingestion: store, log: memoryLog() }, { ...LAG, ...input })

    it('skips only when nothing was committed, and extracts the next change', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      try {
        const first = await extract(source, store)
        assert.equal(first.outcome, 'committed')
        assert.notEqual(first.skipped, true, 'the first poll of a connection reads every table')
        const idle = await extract(source, store)
        assert.equal(idle.outcome, 'no-changes')
        if (kind === 'embedded') assert.equal(idle.skipped, true, 'nothing was committed: no table is read')
        const wider = await extract(source, store, { lagMs: 60_000 })
        assert.notEqual(wider.skipped, true, 'a changed lag is another window: it is read')
        await extract(source, store)
        await source.db.query(
          "UPDATE payment SET paid = true, last_updated = (SELECT max(last_updated) FROM payment) + interval '1 second' WHERE payment_id = 3",
        )
        const next = await extract(source, store)
        assert.notEqual(next.skipped, true)
        assert.equal(next.rows.payment, 1)
        const always = await extract(source, store, { alwaysRead: true })
        assert.notEqual(always.skipped, true, 'alwaysRead reads')
      } finally {
        await remove()
      }
    })

    it('reads everything again when the lake no longer holds the batch it last committed', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      try {
        const first = await extract(source, store)
        // The lake is emptied behind the pipeline's back (an operator starting over): no commit on the
        // source, but the cursors the last read was made at are gone.
        for (const key of await store.list('_manifests/')) await store.delete(key)
        const again = await extract(source, store)
        assert.notEqual(again.skipped, true)
        assert.deepEqual(again.rows, first.rows)
      } finally {
        await remove()
      }
    })

    it('does not remember a read cut at its row limit', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      try {
        // One small batch and then stop (the deadline has passed): the backlog is not read to its end.
        const cut = await extract(source, store, { maxBatchRows: 10, untilMs: 0 })
        assert.equal(cut.more, true)
        const next = await extract(source, store, { maxBatchRows: 10, untilMs: 0 })
        assert.notEqual(next.skipped, true, 'a backlog remains: the next poll reads')
        assert.equal(next.outcome, 'committed')
      } finally {
        await remove()
      }
    })
  })
}

describe('idle polls on the real server, with other sessions', () => {
  let source: TestDatabase | undefined
  before(async () => {
    source = await createSnapshotSource('server')
  })
  after(async () => {
    await source?.drop()
  })

  it('takes a change whose transaction was open across the complete read and committed after it', async (t) => {
    if (!source) return t.skip('no PostgreSQL server reachable')
    const { store, remove } = await createTempStore()
    const app = new pg.Client({ connectionString: source.url })
    await app.connect()
    try {
      await runExtract({ source: source.db, ingestion: store, log: memoryLog() }, { lagMs: 120_000 })
      await app.query('BEGIN')
      await app.query(
        "UPDATE payment SET paid = true, last_updated = (SELECT max(last_updated) FROM payment) + interval '1 millisecond' WHERE payment_id = 21",
      )
      // The complete read that sets the mark happens while the writer is still open.
      const during = await runExtract(
        { source: source.db, ingestion: store, log: memoryLog() },
        { lagMs: 120_000 },
      )
      assert.equal(during.outcome, 'no-changes')
      await app.query('COMMIT')
      const late = await runExtract(
        { source: source.db, ingestion: store, log: memoryLog() },
        { lagMs: 120_000 },
      )
      assert.notEqual(late.skipped, true)
      assert.equal(late.rows.payment, 1)
      const { tables } = await readBatch(store, late.batchId ?? '')
      assert.deepEqual(
        tables.payment?.rows.map((r) => r.payment_id),
        ['21'],
      )
    } finally {
      await app.end()
      await remove()
    }
  })

  it('takes a change committed through another connection right after an idle poll', async (t) => {
    if (!source) return t.skip('no PostgreSQL server reachable')
    const { store, remove } = await createTempStore()
    const app = new pg.Client({ connectionString: source.url })
    await app.connect()
    try {
      const deps = { source: source.db, ingestion: store, log: memoryLog() }
      await runExtract(deps, LAG)
      let taken = 0
      for (let i = 0; i < 5; i++) {
        await runExtract(deps, LAG)
        await app.query(
          "UPDATE payment SET paid = NOT paid, last_updated = (SELECT max(last_updated) FROM payment) + interval '1 second' WHERE payment_id = 22",
        )
        taken += (await runExtract(deps, LAG)).rows.payment ?? 0
      }
      assert.equal(taken, 5, 'every change is read by the poll after its commit')
    } finally {
      await app.end()
      await remove()
    }
  })
})
