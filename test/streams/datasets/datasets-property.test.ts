/**
 * What the dataset reader accepts loads, by property, on both kinds of PostgreSQL: rounds of random files
 * (names with newlines, quotes and any Unicode; records mixing good values with NULs, year 0, edge
 * numbers, wrong types, deep nesting) go through pickup, transform and load. Every record ends up either
 * in the table, exactly (text compared byte for byte), or in quarantine with a reason; every file is
 * taken once; no run fails. Bounded: 3 rounds of up to 6 files; the seed is printed on failure
 * (rerun with FC_SEED=<seed>).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { loadConfig } from '../../../src/config.ts'
import type { DatasetConfig } from '../../../src/core/dataset-config.ts'
import { openExternalSource } from '../../../src/io/external-source.ts'
import { memoryLog } from '../../../src/log.ts'
import { type DatasetSchema, planRecordRow } from '../../../src/streams/datasets/dataset-schema.ts'
import { planFileRecords } from '../../../src/streams/datasets/plan-file-records.ts'
import { type DatasetsDeps, runDatasets } from '../../../src/streams/datasets/run-datasets.ts'
import { runListStreamQuarantine } from '../../../src/streams/stream-quarantine.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../../support/databases.ts'
import { createTempStore } from '../../support/source-fixture.ts'

const SEED = process.env.FC_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FC_SEED)
const COLUMNS = [
  { name: 'id', type: 'integer', required: true },
  { name: 'note', type: 'text', required: false },
  { name: 'day', type: 'date', required: false },
  { name: 'at', type: 'timestamp', required: false },
  { name: 'amount', type: 'numeric', required: false },
  { name: 'flag', type: 'boolean', required: false },
] as const

/** A character a file name on a folder may hold (no '/', no NUL, no lone surrogate: the OS would change it). */
const nameChar = fc.oneof(
  fc.constantFrom('\n', '\r', '"', '\\', "'", '\t', ' ', '😀', 'é', '\u2028', '#', '%', '*'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
)
const fileName = fc
  .tuple(fc.string({ unit: nameChar, minLength: 1, maxLength: 12 }), fc.constantFrom('.json', '.jsonl'))
  .map(([stem, ext]) => `f${stem.replaceAll('/', '_')}${ext}`)

/** Mostly values that fit, sometimes one that does not: both paths are taken every round. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: bad })
const day = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString())
const record = fc.record(
  {
    id: mostly(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(2 ** 31, 'x', 1.5)),
    // Any Unicode text (emoji, U+2028, quotes, controls) fits; a NUL or a lone surrogate does not.
    note: mostly(
      fc.string({ unit: 'binary', maxLength: 20 }).map((t) => t.replaceAll('\u0000', '')),
      fc.constantFrom('a\u0000b', 'x\ud800y', 7),
    ),
    day: mostly(
      day.map((d) => d.slice(0, 10)),
      fc.constantFrom('0000-01-01', '2024-02-30', 'soon'),
    ),
    at: mostly(day, fc.constantFrom('0000-06-01 00:00:00', '2024-01-01T00:00:00+01:00')),
    amount: mostly(fc.integer(), fc.constantFrom('1e5', 1e21)),
    flag: mostly(fc.boolean(), fc.constantFrom('true', 0)),
    extra: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: ['id'] },
)
const fileBody = fc.oneof(
  { weight: 8, arbitrary: fc.array(record, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constant('deep') },
)
const files = fc.uniqueArray(fc.tuple(fileName, fileBody), {
  minLength: 1,
  maxLength: 6,
  selector: ([name]) => name,
})

for (const kind of DATABASE_KINDS) {
  describe(`dataset files by property on ${kind} PostgreSQL (seed ${SEED})`, () => {
    let warehouse: TestDatabase | undefined
    let folder: string
    let datasets: DatasetConfig[]
    let deps: DatasetsDeps
    const stores: { remove(): Promise<void> }[] = []

    before(async () => {
      warehouse = await createTestDatabase(kind)
      folder = await mkdtemp(join(tmpdir(), 'property-folder-'))
      const ingestion = await createTempStore()
      const processed = await createTempStore()
      stores.push(ingestion, processed)
      datasets = [
        ...loadConfig({ DATASETS: JSON.stringify([{ name: 'random', source: folder, columns: COLUMNS }]) })
          .datasets,
      ]
      deps = {
        warehouse: warehouse?.db as TestDatabase['db'],
        ingestion: ingestion.store,
        processed: processed.store,
        log: memoryLog(),
        openSource: (location) => openExternalSource(location),
      }
    })
    after(async () => {
      await warehouse?.drop()
      await rm(folder, { recursive: true, force: true })
      for (const s of stores) await s.remove()
    })

    it('loads exactly what it accepts and holds the rest with reasons, round after round', async (t) => {
      if (!warehouse) return t.skip('no PostgreSQL server reachable')
      const schema: DatasetSchema = {
        dataset: 'random',
        version: 1,
        table: 'dataset_random',
        key: [],
        columns: [...COLUMNS],
      }
      const rounds = fc.sample(files, { seed: SEED, numRuns: 3 })
      try {
        for (const [round, batch] of rounds.entries()) {
          const written: { name: string; bytes: Uint8Array }[] = []
          for (const [stem, body] of batch) {
            const name = `r${round}-${stem}`
            const content =
              body === 'deep'
                ? `[${'['.repeat(5000)}${']'.repeat(5000)}]`
                : name.endsWith('.jsonl')
                  ? body.map((r) => JSON.stringify(r)).join('\n')
                  : JSON.stringify(body)
            const bytes = new TextEncoder().encode(content)
            await writeFile(join(folder, name), bytes)
            written.push({ name, bytes })
          }
          const [outcome] = await runDatasets(deps, datasets)
          assert.equal(outcome?.error, undefined, outcome?.error)
          assert.equal((outcome?.pickup?.files ?? 0) + (outcome?.pickup?.heldFiles ?? 0), written.length)
          const held = await runListStreamQuarantine(deps.ingestion, 'datasets/random')
          for (const { name, bytes } of written) {
            const split = planFileRecords(name, bytes)
            type Loaded = { _record: number; note: string | null; id: number }
            const loaded: Loaded[] = await warehouse!.db.query<Loaded>(
              'SELECT _record, note, id FROM dataset_random WHERE _source_key = $1 ORDER BY _record',
              [name],
            )
            if (!split.ok) {
              assert.deepEqual(loaded, [], name)
              assert.ok(
                held.some((e) => e.level === 'file' && e.source === name),
                `${JSON.stringify(name)} held whole`,
              )
              continue
            }
            const accepted = split.records.flatMap(({ record, error }, i) => {
              const row = error ? { ok: false as const } : planRecordRow(schema, record)
              return row.ok
                ? [{ _record: i + 1, note: row.values[1] ?? null, id: Number(row.values[0]) }]
                : []
            })
            assert.deepEqual(loaded, accepted, JSON.stringify(name))
            if (accepted.length < split.records.length) {
              const entry = held.find((e) => e.level === 'records' && e.source.split(', ').includes(name))
              assert.ok(
                entry && entry.reasons.length > 0,
                `${JSON.stringify(name)}: its refused records are held with reasons`,
              )
            }
          }
          const [idle] = await runDatasets(deps, datasets)
          assert.equal(idle?.pickup?.batchId, null, 'every file was taken once')
        }
      } catch (error) {
        ;(error as Error).message =
          `${(error as Error).message}\n(fast-check seed ${SEED}: rerun with FC_SEED=${SEED})`
        throw error
      }
    })
  })
}
