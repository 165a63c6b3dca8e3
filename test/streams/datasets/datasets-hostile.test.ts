/**
 * Dataset files as an attacker (or a careless producer) writes them, on both kinds of PostgreSQL: names
 * with a newline, invalid UTF-8 or 2 kB of folders; JSON nested 5,000 levels; values PostgreSQL cannot
 * hold (NUL, year 0, integers out of range, a key too long to index). Each bad file or record is held in
 * quarantine with its reason and an alert, the rest of its batch loads, and a later good file loads:
 * nothing blocks the dataset.
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../../src/config.ts'
import type { DatasetConfig } from '../../../src/core/dataset-config.ts'
import { openExternalSource } from '../../../src/io/external-source.ts'
import { memoryLog } from '../../../src/log.ts'
import { type DatasetsDeps, runDatasets } from '../../../src/streams/datasets/run-datasets.ts'
import { runListStreamQuarantine } from '../../../src/streams/stream-quarantine.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../../support/databases.ts'
import { createTempStore } from '../../support/source-fixture.ts'

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`

for (const kind of DATABASE_KINDS) {
  describe(`hostile dataset files on ${kind} PostgreSQL`, () => {
    let warehouse: TestDatabase | undefined
    let folder: string
    let datasets: DatasetConfig[]
    let deps: DatasetsDeps
    let log = memoryLog()
    const stores: { remove(): Promise<void> }[] = []
    const put = (name: string | Buffer, body: string) =>
      writeFile(
        typeof name === 'string' ? join(folder, name) : Buffer.concat([Buffer.from(`${folder}/`), name]),
        body,
      )
    const run = async () => {
      log = memoryLog()
      const outcomes = await runDatasets({ ...deps, log }, datasets)
      for (const o of outcomes) assert.equal(o.error, undefined, `${o.dataset}: ${o.error}`)
      return outcomes[0]!
    }
    const readings = () =>
      warehouse!.db.query<{ station: string; _source_key: string }>(
        'SELECT station, _source_key FROM dataset_readings ORDER BY station',
      )
    const held = () => runListStreamQuarantine(deps.ingestion, 'datasets/readings')

    before(async () => {
      warehouse = await createTestDatabase(kind)
      folder = await mkdtemp(join(tmpdir(), 'hostile-folder-'))
      const ingestion = await createTempStore()
      const processed = await createTempStore()
      stores.push(ingestion, processed)
      datasets = [
        ...loadConfig({
          DATASETS: JSON.stringify([
            {
              name: 'readings',
              source: folder,
              key: ['station', 'day'],
              columns: [
                { name: 'station', type: 'text', required: true },
                { name: 'day', type: 'date', required: true },
                { name: 'n', type: 'integer' },
                { name: 'at', type: 'timestamp' },
                { name: 'note', type: 'text' },
              ],
            },
          ]),
        }).datasets,
      ]
      deps = {
        warehouse: warehouse?.db as TestDatabase['db'],
        ingestion: ingestion.store,
        processed: processed.store,
        log,
        openSource: (location) => openExternalSource(location),
      }
    })
    after(async () => {
      await warehouse?.drop()
      await rm(folder, { recursive: true, force: true })
      for (const s of stores) await s.remove()
    })

    it('stores a file name with a newline safely: the ledger stays readable, nothing is taken twice', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      await put('line\none.json', JSON.stringify([{ station: 'NEWLINE', day: '2024-01-01' }]))
      await put('quote"and\\back\tslash.json', JSON.stringify([{ station: 'QUOTE', day: '2024-01-01' }]))
      const first = await run()
      assert.equal(first.pickup?.files, 2)
      const ledger = JSON.parse(
        new TextDecoder().decode(await deps.ingestion.get('ext/datasets/readings/_ledger.json')),
      ) as { taken: [string, string][] }
      assert.deepEqual(ledger.taken.map(([k]) => k).sort(), ['line\none.json', 'quote"and\\back\tslash.json'])
      // The next runs read that ledger back: nothing new, nothing twice; a later file still loads.
      assert.equal((await run()).pickup?.batchId, null)
      await put('later.json', JSON.stringify([{ station: 'LATER', day: '2024-01-01' }]))
      assert.equal((await run()).pickup?.files, 1)
      assert.deepEqual(
        (await readings()).map((r) => `${r.station} ${JSON.stringify(r._source_key)}`),
        ['LATER "later.json"', 'NEWLINE "line\\none.json"', 'QUOTE "quote\\"and\\\\back\\tslash.json"'],
      )
    })

    it('rebuilds a ledger an older version left unreadable, and takes nothing twice', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      await deps.ingestion.put(
        'ext/datasets/readings/_ledger.json',
        '{"through_batch_id":"0000000003","taken":[["a","b","c"]]}',
      )
      const again = await run()
      assert.equal(again.pickup?.batchId, null)
      assert.ok(
        log.entries.some((e) => e.message === 'dataset ledger unreadable; rebuilt from the manifests'),
      )
      assert.equal((await readings()).length, 3)
    })

    it('holds a file nested 5,000 levels deep whole, and a deep line alone; the rest loads', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      await put('deep.json', `[${nested(5000)}]`)
      await put(
        'mixed.jsonl',
        [
          JSON.stringify({ station: 'MIXED1', day: '2024-01-02' }),
          nested(5000),
          JSON.stringify({ station: 'MIXED2', day: '2024-01-02' }),
        ].join('\n'),
      )
      const outcome = await run()
      assert.deepEqual([outcome.pickup?.files, outcome.pickup?.heldFiles], [1, 1])
      const entries = await held()
      const file = entries.find((e) => e.source === 'deep.json')
      assert.match(file?.reason ?? '', /nested more than 64 levels deep/)
      const records = entries.find((e) => e.level === 'records' && e.source === 'mixed.jsonl')
      assert.deepEqual(records?.reasons, [
        { reason: 'the line is nested more than 64 levels deep', records: 1 },
      ])
      assert.ok(log.entries.some((e) => e.level === 'alert' && e.message === 'dataset file quarantined'))
      assert.ok(log.entries.some((e) => e.level === 'alert' && e.message === 'stream records quarantined'))
      assert.deepEqual(
        (await readings()).filter((r) => r.station.startsWith('MIXED')).map((r) => r.station),
        ['MIXED1', 'MIXED2'],
      )
      assert.equal((await run()).pickup?.batchId, null, 'the next run is not stuck on them')
    })

    it('holds the records PostgreSQL cannot store (NUL, year 0, out of range, a key too long) and loads the rest', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      await put(
        'values.json',
        JSON.stringify([
          { station: 'NUL', day: '2024-01-03', note: 'a\u0000b' },
          { station: 'YEAR0', day: '0000-01-01' },
          { station: 'TS0', day: '2024-01-03', at: '0000-06-01 00:00:00' },
          { station: 'BIG', day: '2024-01-03', n: 2 ** 31 },
          { station: 'K'.repeat(3000), day: '2024-01-03' },
          { station: 'SURROGATE', day: '2024-01-03', note: 'x\ud800y' },
          { station: 'GOOD', day: '2024-01-03', n: -(2 ** 31), at: '0001-01-01 00:00:00', note: 'é\u2028😀' },
        ]),
      )
      await run()
      const entry = (await held()).find((e) => e.level === 'records' && e.source === 'values.json')
      assert.equal(entry?.records, 6)
      assert.deepEqual(entry?.reasons.map((r) => r.reason).sort(), [
        'at: expected a timestamp from 0001-01-01 (PostgreSQL has no year 0)',
        'day: expected a date from 0001-01-01 (PostgreSQL has no year 0)',
        'n: expected an integer in range',
        'note: holds a NUL character (U+0000), which PostgreSQL text cannot store',
        'note: holds an unpaired UTF-16 surrogate, which is not Unicode text',
        'the key (station, day) takes 3010 bytes, over the 2000 a warehouse index holds',
      ])
      const [good] = await warehouse.db.query<{ n: number; at: string; note: string }>(
        "SELECT n, at::text AS at, note FROM dataset_readings WHERE station = 'GOOD'",
      )
      assert.deepEqual(good, { n: -(2 ** 31), at: '0001-01-01 00:00:00', note: 'é\u2028😀' })
      // Not blocked: the next file loads.
      await put('after-values.json', JSON.stringify([{ station: 'AFTER', day: '2024-01-04' }]))
      assert.equal((await run()).pickup?.files, 1)
      assert.ok((await readings()).some((r) => r.station === 'AFTER'))
    })

    it('holds a file whose name is not UTF-8 or too long to store, and loads the others of its batch', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      // Invalid UTF-8 in a folder name: listed with U+FFFD, so the file cannot be read back by that name.
      await put(Buffer.concat([Buffer.from('bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.json')]), '[]')
      const deep = Array.from({ length: 9 }, (_, i) => `${String(i).repeat(200)}`).join('/')
      await mkdir(join(folder, deep), { recursive: true })
      await put(`${deep}/long.json`, JSON.stringify([{ station: 'LONG', day: '2024-01-05' }]))
      await put('fine.json', JSON.stringify([{ station: 'FINE', day: '2024-01-05' }]))
      const outcome = await run()
      assert.deepEqual([outcome.pickup?.files, outcome.pickup?.heldFiles], [1, 2])
      const reasons = (await held())
        .filter((e) => e.level === 'file' && (e.source.startsWith('bad-') || e.source.endsWith('long.json')))
        .map((e) => e.reason)
        .sort()
      assert.equal(reasons.length, 2)
      assert.match(reasons[0] ?? '', /^the file cannot be read: ENOENT/)
      assert.match(reasons[1] ?? '', /^the file name takes 1818 bytes, over 1024/)
      assert.ok((await readings()).some((r) => r.station === 'FINE'))
      assert.equal((await run()).pickup?.batchId, null, 'held files are taken: the next run is not stuck')
    })
  })
}
