/**
 * An incremental batch on a server reads its tables ahead on a second connection in the same exported
 * snapshot (src/extract/read-snapshot.ts). Tried on both kinds of PostgreSQL (the embedded one reads in
 * order): when the changes overrun the batch's row budget, a table read ahead at the whole budget is read
 * again to what is left of it, the batches hold the same rows as the read in order (the oldest first),
 * every version lands once, and no file read ahead and not kept is left in the lake.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runListIngestionBatches } from '../../src/extract/ingestion-batches.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import type { Database } from '../../src/io/database.ts'
import { memoryLog } from '../../src/log.ts'
import { DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { readBatch, versionsInLake } from '../support/read-batch.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const LAG_MS = 120_000
/** The source's clock as the cursor reads it (naive UTC): stamps before it are not in the future. */
const UTC_NOW = `date_trunc('milliseconds', now() AT TIME ZONE 'UTC')`

/** The source, counting the transactions opened on it. */
function counting(db: Database): { db: Database; transactions: () => number } {
  let n = 0
  const wrapped = Object.assign(Object.create(db), {
    transaction: (...args: Parameters<Database['transaction']>) => {
      n++
      return db.transaction(...args)
    },
  }) as Database
  return { db: wrapped, transactions: () => n }
}

for (const kind of DATABASE_KINDS) {
  describe(`reading ahead on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    before(async () => {
      source = await createSnapshotSource(kind)
    })
    after(async () => {
      await source?.drop()
    })

    it('a budget overrun reads the later table again to what is left: the same rows as in order, each once, no stray file', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const ingestion = await createTempStore()
      try {
        const spy = counting(source.db)
        const deps = { source: spy.db, ingestion: ingestion.store, log: memoryLog() }
        await runExtract(deps, { lagMs: LAG_MS, alwaysRead: true })
        // A small batch, so the next one reads ahead (a first load's successor does not).
        await source.db.exec(
          `UPDATE address SET last_updated = ${UTC_NOW} - interval '1 hour' WHERE address_id = 1`,
        )
        await runExtract(deps, { lagMs: LAG_MS, alwaysRead: true })
        // 30 addresses, then 30 payments stamped later: a 40-row budget takes the addresses and the 10
        // oldest payments; the read ahead took all 30 payments at the whole budget.
        await source.db.exec(`UPDATE address SET last_updated = ${UTC_NOW} - interval '50 minutes'
          + address_id * interval '1 millisecond' WHERE address_id BETWEEN 1 AND 30`)
        await source.db.exec(`UPDATE payment SET last_updated = ${UTC_NOW} - interval '40 minutes'
          + (100 - payment_id) * interval '1 millisecond' WHERE payment_id BETWEEN 1 AND 30`)
        const before = spy.transactions()
        const result = await runExtract(deps, { lagMs: LAG_MS, alwaysRead: true, maxBatchRows: 40 })
        assert.equal(result.batches.length, 2, 'cut at 40 rows, then the rest')
        if (kind === 'server') assert.ok(spy.transactions() - before >= 3, 'the first batch read ahead')

        const [cut, rest] = result.batches as [string, string]
        const first = await readBatch(ingestion.store, cut)
        assert.equal(first.tables.address?.rows.length, 30)
        // The oldest 10 payments by (last_updated, payment_id): the highest ids, stamped earliest.
        assert.deepEqual(
          first.tables.payment?.rows.map((r) => Number(r.payment_id)).sort((a, b) => a - b),
          [21, 22, 23, 24, 25, 26, 27, 28, 29, 30],
        )
        for (const entry of first.manifest.tables)
          if (entry.table !== 'address' && entry.table !== 'payment') assert.equal(entry.rows, 0, entry.table)
        const second = await readBatch(ingestion.store, rest)
        assert.equal(second.tables.payment?.rows.length, 20)

        const all = await runListIngestionBatches(ingestion.store)
        const versions = await versionsInLake(ingestion.store, all)
        assert.equal(new Set(versions).size, versions.length, 'no version in two batches')
        // Every data file in the lake is one a manifest lists.
        const listed = new Set<string>()
        for (const id of all)
          for (const e of (await readBatch(ingestion.store, id)).manifest.tables) if (e.key) listed.add(e.key)
        const files = (await ingestion.store.list('')).filter((k) => k.endsWith('.csv.gz'))
        assert.deepEqual(
          files.filter((k) => !listed.has(k)),
          [],
        )
      } finally {
        await ingestion.remove()
      }
    })
  })
}
