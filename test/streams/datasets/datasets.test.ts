/**
 * JSON datasets from another bucket or folder, end to end: new files picked up exactly once (key + ETag),
 * checked against the registered schema, landed with a manifest; bad files and bad records held in
 * quarantine with their reasons; each dataset loaded into its own typed table through the stream load,
 * on both kinds of PostgreSQL; an S3 source through a real S3-compatible server.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { loadConfig } from '../../../src/config.ts'
import type { DatasetConfig } from '../../../src/core/dataset-config.ts'
import { makeDatasetsHandler } from '../../../src/entrypoints/lambda/datasets.ts'
import type { Deps } from '../../../src/entrypoints/make-deps.ts'
import { openExternalSource } from '../../../src/io/external-source.ts'
import { makeS3Client } from '../../../src/io/s3-store.ts'
import { memoryLog } from '../../../src/log.ts'
import { datasetModel, parseBatchSchema } from '../../../src/streams/datasets/dataset-model.ts'
import { toDatasetTable } from '../../../src/streams/datasets/dataset-schema.ts'
import { runDatasetPickup } from '../../../src/streams/datasets/run-dataset-pickup.ts'
import { type DatasetsDeps, runDatasets } from '../../../src/streams/datasets/run-datasets.ts'
import { runLoadStream } from '../../../src/streams/run-load-stream.ts'
import { runTransformStream } from '../../../src/streams/run-transform-stream.ts'
import { runListStreamQuarantine } from '../../../src/streams/stream-quarantine.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../../support/databases.ts'
import { startTestS3, type TestS3 } from '../../support/s3-server.ts'
import { createTempStore } from '../../support/source-fixture.ts'

const weatherColumns = [
  { name: 'station', type: 'text', required: true },
  { name: 'day', type: 'date', required: true },
  { name: 'rain_mm', type: 'numeric' },
  { name: 'observed_at', type: 'timestamp' },
  { name: 'sunny', type: 'boolean' },
]

const datasetsSetting = (folder: string, bucketEndpoint = 's3://partner-drop/events', extra: object[] = []) =>
  JSON.stringify([
    { name: 'weather', source: folder, key: ['station', 'day'], columns: [...weatherColumns, ...extra] },
    {
      name: 'events',
      source: bucketEndpoint,
      columns: [
        { name: 'id', type: 'bigint', required: true },
        { name: 'kind', type: 'text', required: true },
        { name: 'amount', type: 'numeric' },
      ],
    },
  ])

for (const kind of DATABASE_KINDS) {
  describe(`JSON datasets on ${kind} PostgreSQL`, () => {
    let warehouse: TestDatabase | undefined
    let s3: TestS3 | undefined
    let folder: string
    let datasets: DatasetConfig[]
    let deps: DatasetsDeps
    let log = memoryLog()
    const stores: { remove(): Promise<void> }[] = []
    const put = (name: string, body: string) => writeFile(join(folder, name), body)
    const weather = () =>
      warehouse!.db.query<Record<string, unknown>>(
        `SELECT station, to_char(day, 'YYYY-MM-DD') AS day, rain_mm::text AS rain_mm, observed_at::text AS observed_at,
                sunny, _source_key, _record FROM dataset_weather ORDER BY station, day`,
      )
    const run = async (only?: string) => {
      log = memoryLog()
      const outcomes = await runDatasets({ ...deps, log }, datasets, only)
      for (const o of outcomes) assert.equal(o.error, undefined, `${o.dataset}: ${o.error}`)
      return outcomes
    }

    before(async () => {
      warehouse = await createTestDatabase(kind)
      folder = await mkdtemp(join(tmpdir(), 'partner-folder-'))
      s3 = await startTestS3()
      await s3.createBucket('partner-drop')
      const ingestion = await createTempStore()
      const processed = await createTempStore()
      stores.push(ingestion, processed)
      datasets = [...loadConfig({ DATASETS: datasetsSetting(folder) }).datasets]
      deps = {
        warehouse: warehouse?.db as TestDatabase['db'],
        ingestion: ingestion.store,
        processed: processed.store,
        log,
        openSource: (location) => openExternalSource(location, s3!.endpoint),
        now: () => Date.parse('2024-02-23T10:00:00Z'),
      }
    })
    after(async () => {
      await warehouse?.drop()
      await s3?.close()
      await rm(folder, { recursive: true, force: true })
      for (const s of stores) await s.remove()
    })

    it('picks up new files from a folder, holds a bad file and bad records with reasons, loads the rest typed', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      await put(
        'a.json',
        JSON.stringify([
          {
            station: 'LEEDS',
            day: '2024-02-20',
            rain_mm: 1.25,
            observed_at: '2024-02-20T09:00:00Z',
            sunny: false,
          },
          { station: 'YORK', day: '2024-02-20', rain_mm: '0.10', sunny: true, extra: 'ignored' },
        ]),
      )
      await mkdir(join(folder, 'later'), { recursive: true })
      await put(
        'later/b.jsonl',
        [
          '{"station":"LEEDS","day":"2024-02-21","rain_mm":12345678901234.5678901234}',
          '{"station":"HULL","day":"2024-02-31"}',
          'not json at all',
          '{"day":"2024-02-21","rain_mm":"lots"}',
          '{"station":"HULL","day":"2024-02-21","rain_mm":"3.5","observed_at":"2024-02-21 23:59:59.250"}',
          '',
        ].join('\n'),
      )
      await put('broken.json', '{"station": ')
      await put('notes.txt', 'not a dataset file')
      const [outcome] = await run('weather')
      assert.deepEqual(outcome?.pickup, { batchId: '0000000001', files: 2, heldFiles: 1, waiting: 0 })
      assert.deepEqual(await weather(), [
        {
          station: 'HULL',
          day: '2024-02-21',
          rain_mm: '3.5000000000',
          observed_at: '2024-02-21 23:59:59.25',
          sunny: null,
          _source_key: 'later/b.jsonl',
          _record: 5,
        },
        {
          station: 'LEEDS',
          day: '2024-02-20',
          rain_mm: '1.2500000000',
          observed_at: '2024-02-20 09:00:00',
          sunny: false,
          _source_key: 'a.json',
          _record: 1,
        },
        {
          station: 'YORK',
          day: '2024-02-20',
          rain_mm: '0.1000000000',
          observed_at: null,
          sunny: true,
          _source_key: 'a.json',
          _record: 2,
        },
      ])
      const held = await runListStreamQuarantine(deps.ingestion, 'datasets/weather')
      assert.deepEqual(
        held.map((e) => [e.level, e.source, e.records]),
        [
          ['file', 'broken.json', 0],
          ['records', 'later/b.jsonl', 4],
        ],
      )
      assert.match(held[0]!.reason, /not JSON/)
      assert.deepEqual(
        held[1]!.reasons.map((r) => r.reason).sort(),
        [
          'day: expected a date YYYY-MM-DD',
          'rain_mm: 12345678901234.568 has more than 15 significant digits',
          "station: required; rain_mm: 'lots' is not a decimal",
          'the line is not JSON',
        ].sort(),
      )
      assert.ok(log.entries.some((e) => e.level === 'alert' && e.message === 'dataset file quarantined'))
      assert.ok(log.entries.some((e) => e.level === 'alert' && e.message === 'stream records quarantined'))
    })

    it('takes each file exactly once: idle runs land nothing, a rewritten file is taken again and upserted', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      const [idle] = await run('weather')
      assert.deepEqual(idle?.pickup, { batchId: null, files: 0, heldFiles: 0, waiting: 0 })
      // The ledger is only a cache of the manifests: losing it takes nothing twice.
      await deps.ingestion.delete('ext/datasets/weather/_ledger.json')
      const [rebuilt] = await run('weather')
      assert.equal(rebuilt?.pickup?.batchId, null)
      await put('a.json', JSON.stringify([{ station: 'LEEDS', day: '2024-02-20', rain_mm: 2, sunny: true }]))
      const [again] = await run('weather')
      assert.equal(again?.pickup?.batchId, '0000000002')
      assert.deepEqual(again?.loaded?.loaded[0]?.tables.dataset_weather, { rows: 1, inserted: 0, updated: 1 })
      const leeds = (await weather()).find((r) => r.station === 'LEEDS' && r.day === '2024-02-20')
      assert.deepEqual([leeds?.rain_mm, leeds?.sunny, leeds?.observed_at], ['2.0000000000', true, null])
    })

    it('two pickups racing land each file once: the loser of the manifest create removes its files', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      await put('c.jsonl', '{"station":"YORK","day":"2024-02-22","rain_mm":0}\n')
      const source = openExternalSource(datasets[0]!.source)
      const results = await Promise.all(
        [1, 2].map(() =>
          runDatasetPickup({ ingestion: deps.ingestion, source, log: memoryLog() }, datasets[0]!),
        ),
      )
      assert.deepEqual(results.map((r) => r.batchId ?? 'lost').sort(), ['0000000003', 'lost'])
      const landed = (await deps.ingestion.list('ext/datasets/weather/files/')).filter((k) =>
        k.includes('/0000000003-'),
      )
      assert.equal(landed.length, 1)
      await run('weather')
      assert.equal((await weather()).filter((r) => r.day === '2024-02-22').length, 1)
    })

    it('registers an added optional column as a new schema version and refuses an incompatible change', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      datasets = [
        ...loadConfig({
          DATASETS: datasetsSetting(folder, undefined, [{ name: 'wind_kph', type: 'integer' }]),
        }).datasets,
      ]
      await put('d.json', JSON.stringify([{ station: 'HULL', day: '2024-02-23', wind_kph: 40 }]))
      await run('weather')
      const [row] = await warehouse.db.query<{ wind_kph: number }>(
        "SELECT wind_kph FROM dataset_weather WHERE day = '2024-02-23'",
      )
      assert.equal(row?.wind_kph, 40)
      assert.deepEqual(await deps.ingestion.list('ext/datasets/weather/_schemas/'), [
        'ext/datasets/weather/_schemas/v1.json',
        'ext/datasets/weather/_schemas/v2.json',
      ])
      const retyped = weatherColumns.map((c) => (c.name === 'rain_mm' ? { ...c, type: 'text' } : c))
      const bad = loadConfig({
        DATASETS: JSON.stringify([
          { name: 'weather', source: folder, key: ['station', 'day'], columns: retyped },
        ]),
      }).datasets
      const outcomes = await runDatasets({ ...deps, log }, bad)
      assert.match(outcomes[0]?.error ?? '', /column rain_mm \(numeric\) changed to rain_mm \(text\)/)
      assert.ok(log.entries.some((e) => e.level === 'alert' && e.message === 'dataset run failed'))
    })

    it('loads a stream batch in one transaction: a damaged file or a crash loads nothing, the retry loads it once', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      const weatherSet = datasets[0]!
      await put('f.json', JSON.stringify([{ station: 'WHITBY', day: '2024-02-25', rain_mm: 4 }]))
      const source = openExternalSource(weatherSet.source)
      const landed = await runDatasetPickup(
        { ingestion: deps.ingestion, source, log: memoryLog() },
        weatherSet,
      )
      const stores = { ingestion: deps.ingestion, processed: deps.processed, log: memoryLog() }
      await runTransformStream(stores, datasetModel('weather'))
      const load = (faults?: () => void) =>
        runLoadStream(
          {
            warehouse: warehouse!.db,
            processed: deps.processed,
            log: memoryLog(),
            ...(faults ? { faults } : {}),
          },
          {
            stream: 'datasets/weather',
            tablesOf: (m) => [toDatasetTable(parseBatchSchema(m.meta, m.batchId))],
          },
        )
      const whitby = async () =>
        (
          await warehouse!.db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM dataset_weather WHERE station = 'WHITBY'",
          )
        )[0]?.n
      const [parquet] = (await deps.processed.list('ext/datasets/weather/dataset_weather/')).filter((k) =>
        k.includes(`/${landed.batchId}-`),
      )
      const good = (await deps.processed.get(parquet!))!
      await deps.processed.put(parquet!, new Uint8Array([...good.slice(0, -1), 0]))
      await assert.rejects(load(), /has sha256 [0-9a-f]+, the manifest says/)
      await deps.processed.put(parquet!, good)
      await assert.rejects(
        load(() => {
          throw new Error('crash after the merge')
        }),
        /crash after the merge/,
      )
      assert.equal(await whitby(), 0, 'the crashed batch rolled back whole')
      assert.deepEqual(
        (await load()).loaded.map((b) => b.batchId),
        [landed.batchId],
      )
      assert.deepEqual((await load()).loaded, [])
      assert.equal(await whitby(), 1)
    })

    it('runs as the Lambda handler: one dataset or all, metrics, and a failing dataset fails the invocation', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      const emitted: Record<string, number>[] = []
      const handlerDeps = (setting: string): Deps => ({
        config: {
          ...loadConfig({ DATASETS: setting, S3_ENDPOINT: s3!.endpoint }),
          dataDir: join(tmpdir(), 'ds-handler'),
        },
        log: memoryLog(),
        source: () => Promise.reject(new Error('never read')),
        warehouse: async () => warehouse!.db,
        ingestion: deps.ingestion,
        processed: deps.processed,
        close: async () => {},
      })
      const setting = JSON.stringify([
        {
          name: 'weather',
          source: folder,
          key: ['station', 'day'],
          columns: [...weatherColumns, { name: 'wind_kph', type: 'integer' }],
        },
      ])
      const handler = makeDatasetsHandler(
        async () => handlerDeps(setting),
        (v) => emitted.push(v),
      )
      await put('e.json', JSON.stringify([{ station: 'YORK', day: '2024-02-24' }, { station: 'YORK' }]))
      const [outcome] = await handler({ only: 'weather' })
      assert.equal(outcome?.pickup?.files, 1)
      assert.deepEqual(emitted[0], { DatasetFilesLanded: 1, DatasetQuarantined: 1, DatasetFailures: 0 })
      await handler(
        JSON.parse(
          readFileSync(new URL('../../fixtures/events/scheduled-event.json', import.meta.url), 'utf8'),
        ),
      )
      await assert.rejects(handler({ action: 'drop' }), /unrecognised event/)
      await assert.rejects(handler({ only: 'nope' }), /no dataset named nope/)
      const broken = makeDatasetsHandler(async () =>
        handlerDeps(
          JSON.stringify([
            { name: 'weather', source: folder, columns: [{ name: 'station', type: 'integer' }] },
          ]),
        ),
      )
      await assert.rejects(
        broken({}),
        /datasets failed: weather \(dataset weather: the configured schema differs/,
      )
    })

    it('picks up JSON Lines from an S3 bucket into an append-only table, by key and ETag', async (t) => {
      if (!warehouse || !s3) return t.skip('no PostgreSQL server reachable')
      const client = makeS3Client(s3.endpoint)
      const upload = (key: string, body: string) =>
        client.send(new PutObjectCommand({ Bucket: 'partner-drop', Key: `events/${key}`, Body: body }))
      await upload(
        '2024/02/23/one.jsonl',
        '{"id":1,"kind":"open","amount":"10.50"}\n{"id":"9007199254740993","kind":"close"}\n',
      )
      await upload('2024/02/23/two.ndjson', '{"id":2,"kind":"open","amount":-3}\n')
      await upload('other.csv', 'id,kind\n')
      const events = () =>
        warehouse!.db.query<{ id: string; kind: string; amount: string | null; _source_key: string }>(
          'SELECT id::text AS id, kind, amount::text AS amount, _source_key FROM dataset_events ORDER BY _source_key, _record',
        )
      const [first] = await run('events')
      assert.equal(first?.pickup?.files, 2)
      assert.deepEqual(
        (await events()).map((e) => `${e.id} ${e.kind} ${e.amount} ${e._source_key}`),
        [
          '1 open 10.5000000000 2024/02/23/one.jsonl',
          '9007199254740993 close null 2024/02/23/one.jsonl',
          '2 open -3.0000000000 2024/02/23/two.ndjson',
        ],
      )
      assert.equal((await run('events'))[0]?.pickup?.batchId, null)
      await upload('2024/02/23/two.ndjson', '{"id":3,"kind":"open"}\n')
      await run('events')
      assert.equal((await events()).length, 4, 'a new version of an object (new ETag) is a new file')
      const [manifest] = await deps.ingestion.list('ext/datasets/events/_manifests/')
      assert.ok(manifest)
    })
  })
}
