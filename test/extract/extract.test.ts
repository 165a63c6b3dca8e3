/**
 * The extract against real PostgreSQL (embedded always, the local server when reachable): counts,
 * losslessness, the watermark boundary, late commits, idle runs, time zones, crashes and races.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SOURCE_TABLES } from '../../src/core/source-catalogue.ts'
import type { ExtractDeps } from '../../src/extract/extract-input.ts'
import { runListIngestionBatches } from '../../src/extract/ingestion-batches.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import type { Database } from '../../src/io/database.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'
import { memoryLog } from '../../src/log.ts'
import { DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { readBatch, versionsInLake } from '../support/read-batch.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const LAG_MS = 120_000
const extract = (db: Database, store: ObjectStore, extra: Partial<ExtractDeps> = {}) =>
  runExtract({ source: db, ingestion: store, log: memoryLog(), ...extra }, { lagMs: LAG_MS })

async function sourceCounts(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of SOURCE_TABLES) {
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t}"`)
    out[t] = row?.n ?? -1
  }
  return out
}

/** Every current row version of the source as `table:pk@last_updated`. */
async function versionsInSource(db: Database): Promise<string[]> {
  const out: string[] = []
  for (const t of SOURCE_TABLES) {
    const pk = t === 'transaction' ? 'transaction_id' : `${t}_id`
    const rows = await db.query<{ k: string }>(
      `SELECT '${t}:' || ${pk} || '@' || last_updated::text AS k FROM "${t}"`,
    )
    out.push(...rows.map((r) => r.k))
  }
  return out.sort()
}

for (const kind of DATABASE_KINDS) {
  describe(`extract on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    before(async () => {
      source = await createSnapshotSource(kind)
    })
    after(async () => {
      await source?.drop()
    })

    it('extracts the snapshot with per-table counts equal to the source, losslessly', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      try {
        const result = await extract(source.db, store)
        assert.equal(result.outcome, 'committed')
        assert.equal(result.batchId, '0000000001')
        assert.deepEqual(result.rows, await sourceCounts(source.db))
        const { manifest, csv } = await readBatch(store, '0000000001')
        assert.deepEqual(manifest.failedTables, [])
        for (const entry of manifest.tables) {
          assert.match(
            entry.key ?? '',
            new RegExp(
              `^${entry.table}/year=\\d{4}/month=\\d{2}/day=\\d{2}/0000000001-[0-9a-f]{8}\\.csv\\.gz$`,
            ),
          )
          assert.match(entry.sha256 ?? '', /^[0-9a-f]{64}$/)
        }
        // Lossless: every table's file, copied back into a clone, equals the source row for row.
        for (const table of SOURCE_TABLES) {
          await source.db.exec(`CREATE TEMP TABLE lake_copy (LIKE "${table}")`)
          const { Readable } = await import('node:stream')
          await source.db.transaction(async (tx) => {
            await tx.copyIn(
              'COPY lake_copy FROM STDIN (FORMAT csv, HEADER true)',
              Readable.from([csv[table] ?? '']),
            )
            const [diff] = await tx.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM ((TABLE "${table}" EXCEPT ALL TABLE lake_copy) UNION ALL (TABLE lake_copy EXCEPT ALL TABLE "${table}")) d`,
            )
            assert.equal(diff?.n, 0, `${table} differs after a round trip through the lake`)
          })
          await source.db.exec('DROP TABLE lake_copy')
        }
        // Nulls stay distinct from empty strings; money stays exact text.
        const { tables } = await readBatch(store, '0000000001')
        const address = tables.address?.rows.find((r) => r.address_id === '1')
        assert.equal(address?.address_line_2, null)
        assert.equal(tables.payment?.rows.find((r) => r.payment_id === '1')?.payment_amount, '56925.44')
      } finally {
        await remove()
      }
    })

    it('commits nothing on an idle run, and reads exactly the changed versions next time, ties and late rows included', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      const db = source.db
      try {
        await extract(db, store)
        const idle = await extract(db, store)
        assert.equal(idle.outcome, 'no-changes')
        assert.deepEqual(await runListIngestionBatches(store), ['0000000001'])

        const [hiRow] = await db.query<{ hi: string }>('SELECT max(last_updated)::text AS hi FROM payment')
        const hi = hiRow?.hi ?? ''
        // A tie: another row takes the newest millisecond already read.
        await db.query('UPDATE payment SET paid = true, last_updated = $1::timestamp WHERE payment_id = 5', [
          hi,
        ])
        // A late commit: stamped 30 s before the newest row read, inside the 2-minute lag.
        await db.query(
          "UPDATE payment SET paid = true, last_updated = $1::timestamp - interval '30 seconds' WHERE payment_id = 6",
          [hi],
        )
        // Newer than anything: the ordinary case.
        await db.query(
          "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = $1::timestamp + interval '1 millisecond' WHERE sales_order_id = 7",
          [hi],
        )
        const second = await extract(db, store)
        assert.equal(second.batchId, '0000000002')
        const { tables } = await readBatch(store, '0000000002')
        assert.deepEqual(tables.payment?.rows.map((r) => `${r.payment_id}@${r.paid}`).sort(), ['5@t', '6@t'])
        assert.deepEqual(
          tables.sales_order?.rows.map((r) => r.sales_order_id),
          ['7'],
        )
        assert.deepEqual(Object.keys(tables).sort(), ['payment', 'sales_order'])
        assert.equal((await extract(db, store)).outcome, 'no-changes')

        // Every version of the lake, taken together, is every current version of the source plus the
        // superseded ones, each once.
        const lake = await versionsInLake(store, await runListIngestionBatches(store))
        assert.equal(new Set(lake).size, lake.length, 'no version is in the lake twice')
        const current = await versionsInSource(db)
        const inLake = new Set(lake)
        assert.deepEqual(
          current.filter((v) => !inLake.has(v)),
          [],
          'every current version is in the lake',
        )
      } finally {
        await remove()
      }
    })

    it('cannot see a row stamped earlier than the lag allows (verify reports those)', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      try {
        await extract(source.db, store)
        await source.db.query(
          "UPDATE payment SET last_updated = (SELECT max(last_updated) FROM payment) - interval '10 minutes' WHERE payment_id = 9",
        )
        assert.equal((await extract(source.db, store)).outcome, 'no-changes')
      } finally {
        await remove()
      }
    })

    it('gives the same batch whatever the process and session time zones', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const originalTz = process.env.TZ
      const stores = [await createTempStore(), await createTempStore()]
      try {
        const outputs = []
        for (const [i, zone] of ['Pacific/Kiritimati', 'America/Anchorage'].entries()) {
          process.env.TZ = zone
          await source.db.exec(`SET TimeZone = '${zone}'`)
          const store = stores[i]?.store as ObjectStore
          await extract(source.db, store)
          const { manifest, csv } = await readBatch(store, '0000000001')
          outputs.push({ cursors: manifest.cursors, csv, created: manifest.createdAt.slice(0, 13) })
        }
        assert.deepEqual(outputs[0]?.cursors, outputs[1]?.cursors)
        assert.deepEqual(outputs[0]?.csv, outputs[1]?.csv)
        // The batch is dated by the source's clock in UTC, not in either zone.
        const [utc] = await source.db.query<{ h: string }>(
          "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24') AS h",
        )
        assert.equal(outputs[0]?.created, utc?.h)
      } finally {
        process.env.TZ = originalTz
        await source.db.exec('RESET TimeZone')
        for (const s of stores) await s.remove()
      }
    })

    it('leaves nothing visible after a crash between the data files and the manifest; the next run completes', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      try {
        for (const point of ['after-table', 'before-manifest'] as const) {
          await assert.rejects(
            extract(source.db, store, {
              faults: (p) => {
                if (p === point) throw new Error(`injected crash at ${p}`)
              },
            }),
            /injected crash/,
          )
          assert.deepEqual(await runListIngestionBatches(store), [])
        }
        const result = await extract(source.db, store)
        assert.equal(result.batchId, '0000000001')
        assert.deepEqual(result.rows, await sourceCounts(source.db))
      } finally {
        await remove()
      }
    })

    it('lets exactly one of two concurrent extracts commit, and loses or repeats nothing', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      const second = kind === 'server' ? await import('../../src/io/pg-database.ts') : undefined
      const otherDb =
        second && source.url.startsWith('postgres') ? new second.PgDatabase(source.url) : source.db
      try {
        const results = await Promise.all([extract(source.db, store), extract(otherDb, store)])
        assert.deepEqual(results.map((r) => r.outcome).sort(), ['committed', 'lost-race'])
        assert.deepEqual(await runListIngestionBatches(store), ['0000000001'])
        const lake = await versionsInLake(store, ['0000000001'])
        assert.deepEqual(lake, await versionsInSource(source.db))
        // The loser tidied its files: only the winner's are in the store.
        const files = (await store.list('payment/')).filter((k) => k.endsWith('.csv.gz'))
        assert.equal(files.length, 1)
      } finally {
        if (otherDb !== source.db) await otherDb.close()
        await remove()
      }
    })

    it('isolates a table whose cursor column is gone: the others commit, its cursor stays, an alert fires', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      const log = memoryLog()
      try {
        await source.db.exec('ALTER TABLE currency RENAME COLUMN last_updated TO updated_at')
        const result = await runExtract({ source: source.db, ingestion: store, log }, { lagMs: LAG_MS })
        assert.equal(result.outcome, 'committed')
        assert.deepEqual(
          result.failedTables.map((f) => f.table),
          ['currency'],
        )
        assert.match(result.failedTables[0]?.reason ?? '', /last_updated of currency is missing/)
        assert.ok(log.entries.some((e) => e.level === 'alert' && e.fields.table === 'currency'))
        const { manifest } = await readBatch(store, '0000000001')
        assert.deepEqual(manifest.cursors.currency, { hi: null, edge: [] })
        assert.equal(manifest.tables.find((e) => e.table === 'payment')?.rows, 9899)
      } finally {
        await source.db.exec('ALTER TABLE currency RENAME COLUMN updated_at TO last_updated')
        await remove()
      }
    })

    it('records an added column in the manifest with a new schema fingerprint', async (t) => {
      if (!source) return t.skip('no PostgreSQL server reachable')
      const { store, remove } = await createTempStore()
      try {
        await extract(source.db, store)
        const before = (await readBatch(store, '0000000001')).manifest.tables.find(
          (e) => e.table === 'design',
        )
        await source.db.exec('ALTER TABLE design ADD COLUMN colour text')
        await source.db.query(
          "UPDATE design SET colour = 'red', last_updated = (SELECT max(last_updated) FROM design) + interval '1 second' WHERE design_id = 1",
        )
        await extract(source.db, store)
        const { manifest, tables } = await readBatch(store, '0000000002')
        const entry = manifest.tables.find((e) => e.table === 'design')
        assert.notEqual(entry?.schemaFingerprint, before?.schemaFingerprint)
        assert.deepEqual(entry?.columns.at(-1), {
          name: 'colour',
          type: 'text',
          pgType: 'text',
          nullable: true,
        })
        assert.equal(tables.design?.rows[0]?.colour, 'red')
      } finally {
        await source.db.exec('ALTER TABLE design DROP COLUMN IF EXISTS colour')
        await remove()
      }
    })
  })
}
