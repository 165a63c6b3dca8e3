/**
 * The stream load runs DDL only for what the warehouse lacks: once a stream's tables and the stream ledger
 * exist, a role without CREATE (on the database or any schema) and not owning the tables loads its batches.
 * Server PostgreSQL only: roles and grants are the point (PGlite has one user).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config.ts'
import type { DatasetConfig } from '../../src/core/dataset-config.ts'
import type { Database } from '../../src/io/database.ts'
import { openExternalSource } from '../../src/io/external-source.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { memoryLog } from '../../src/log.ts'
import { datasetModel, parseBatchSchema } from '../../src/streams/datasets/dataset-model.ts'
import { toDatasetTable } from '../../src/streams/datasets/dataset-schema.ts'
import { runDatasetPickup } from '../../src/streams/datasets/run-dataset-pickup.ts'
import { runLoadStream } from '../../src/streams/run-load-stream.ts'
import { runTransformStream } from '../../src/streams/run-transform-stream.ts'
import { createTestDatabase, SERVER_ADMIN_URL, type TestDatabase } from '../support/databases.ts'
import { createTempStore } from '../support/source-fixture.ts'

const setting = (folder: string, extra: object[] = []) =>
  JSON.stringify([
    {
      name: 'gauges',
      source: folder,
      key: ['gauge'],
      columns: [
        { name: 'gauge', type: 'text', required: true },
        { name: 'level', type: 'numeric' },
        ...extra,
      ],
    },
  ])

describe('stream load with a role that may not CREATE', () => {
  let admin: TestDatabase | undefined
  let loader: Database | undefined
  const role = `etl_test_loader_${randomBytes(4).toString('hex')}`
  let folder: string
  let dataset: DatasetConfig
  const cleanup: (() => Promise<void>)[] = []
  let stores: { ingestion: ObjectStore; processed: ObjectStore }

  /** Picks up and transforms what the folder holds, then loads it as `db`. */
  const land = async (db: Database, config = dataset) => {
    const log = memoryLog()
    await runDatasetPickup(
      { ingestion: stores.ingestion, source: openExternalSource(config.source), log },
      config,
    )
    await runTransformStream({ ...stores, log }, datasetModel(config.name))
    return runLoadStream(
      { warehouse: db, processed: stores.processed, log },
      {
        stream: 'datasets/gauges',
        tablesOf: (m) => [toDatasetTable(parseBatchSchema(m.meta, m.batchId))],
      },
    )
  }
  const levels = async () =>
    admin!.db.query<{ gauge: string; level: string }>(
      'SELECT gauge, level::text AS level FROM dataset_gauges ORDER BY gauge',
    )

  before(async () => {
    admin = await createTestDatabase('server')
    if (!admin) return
    folder = await mkdtemp(join(tmpdir(), 'gauges-'))
    const ingestion = await createTempStore()
    const processed = await createTempStore()
    stores = { ingestion: ingestion.store, processed: processed.store }
    cleanup.push(ingestion.remove, processed.remove, () => rm(folder, { recursive: true, force: true }))
    dataset = loadConfig({ DATASETS: setting(folder) }).datasets[0]!
    const name = new URL(admin.url).pathname.slice(1)
    await admin.db.exec(`CREATE ROLE ${role} LOGIN`)
    // Only what a loader needs: connect, temporary staging tables, read and write the tables.
    await admin.db.exec(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`)
    await admin.db.exec(`GRANT CONNECT, TEMPORARY ON DATABASE ${name} TO ${role}`)
    const url = new URL(admin.url)
    url.username = role
    loader = new PgDatabase(url.toString())
  })
  after(async () => {
    await loader?.close()
    await admin?.drop()
    if (admin) {
      const server = new PgDatabase(SERVER_ADMIN_URL)
      await server.exec(`DROP ROLE IF EXISTS ${role}`)
      await server.close()
    }
    for (const step of cleanup) await step()
  })

  it('the first batch needs CREATE; once the tables exist the role loads every later batch', async (t) => {
    if (!admin || !loader) return t.skip('no PostgreSQL server reachable')
    await writeFile(join(folder, 'a.json'), JSON.stringify([{ gauge: 'OUSE', level: 1.5 }]))
    await assert.rejects(land(loader), /permission denied for (database|schema)/)
    assert.equal((await land(admin.db)).loaded.length, 1, 'the owner creates the tables with the first batch')
    await admin.db.exec(`GRANT USAGE ON SCHEMA etl TO ${role}`)
    await admin.db.exec(`GRANT SELECT, INSERT, UPDATE ON etl.stream_ledger, dataset_gauges TO ${role}`)

    await writeFile(
      join(folder, 'b.json'),
      JSON.stringify([
        { gauge: 'OUSE', level: 2.25 },
        { gauge: 'AIRE', level: 0.5 },
      ]),
    )
    const second = await land(loader)
    assert.deepEqual(
      second.loaded.map((b) => b.tables.dataset_gauges),
      [{ rows: 2, inserted: 1, updated: 1 }],
    )
    assert.deepEqual(await levels(), [
      { gauge: 'AIRE', level: '0.5000000000' },
      { gauge: 'OUSE', level: '2.2500000000' },
    ])
    assert.deepEqual((await land(loader)).loaded, [], 'nothing pending: nothing loaded, no DDL tried')
  })

  it('a schema version that adds a column needs the owner once, then the role loads again', async (t) => {
    if (!admin || !loader) return t.skip('no PostgreSQL server reachable')
    const wider = loadConfig({ DATASETS: setting(folder, [{ name: 'note', type: 'text' }]) }).datasets[0]!
    await writeFile(join(folder, 'c.json'), JSON.stringify([{ gauge: 'DON', level: 3, note: 'flood' }]))
    await assert.rejects(land(loader, wider), /must be owner of table dataset_gauges/)
    assert.equal((await land(admin.db, wider)).loaded.length, 1)
    await writeFile(join(folder, 'd.json'), JSON.stringify([{ gauge: 'WHARFE', level: 1, note: 'dry' }]))
    assert.equal((await land(loader, wider)).loaded.length, 1)
    const [note] = await admin.db.query<{ n: number }>('SELECT count(note)::int AS n FROM dataset_gauges')
    assert.equal(note?.n, 2)
  })
})
