import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { DatasetConfig } from '../../core/dataset-config.ts'
import type { StreamType } from '../../core/stream-catalogue.ts'
import {
  type DatasetSchema,
  isDatasetFile,
  MAX_KEY_BYTES,
  planKeyedRows,
  planRecordRow,
  planSchemaVersion,
  toColumnText,
  toDatasetTable,
} from './dataset-schema.ts'

const schema: DatasetSchema = {
  dataset: 'weather',
  version: 1,
  table: 'dataset_weather',
  key: ['station', 'day'],
  columns: [
    { name: 'station', type: 'text', required: true },
    { name: 'day', type: 'date', required: true },
    { name: 'rain_mm', type: 'numeric', required: false },
  ],
}
const config = (over: Partial<DatasetConfig> = {}): DatasetConfig => ({
  name: 'weather',
  source: { kind: 'folder', path: '/x' },
  table: schema.table,
  key: schema.key,
  columns: schema.columns,
  maxFilesPerRun: 100,
  maxFileBytes: 1000,
  ...over,
})

describe('dataset-schema', () => {
  const values: [StreamType, unknown, string | RegExp][] = [
    ['integer', 42, '42'],
    ['integer', '-7', '-7'],
    ['integer', 2 ** 31, /in range/],
    ['integer', 1.5, /an integer/],
    ['bigint', '9223372036854775807', '9223372036854775807'],
    ['bigint', '9223372036854775808', /in range/],
    ['bigint', 2 ** 60, /as a string past 2\^53/],
    ['numeric', 12.5, '12.5'],
    ['numeric', 'x', /not a decimal/],
    ['text', 'Leeds', 'Leeds'],
    ['text', 5, /a string/],
    ['boolean', false, 'false'],
    ['boolean', 'true', /true or false/],
    ['date', '2024-02-29', '2024-02-29'],
    ['date', '2023-02-29', /a date/],
    ['timestamp', '2024-02-21T23:59:59.250Z', '2024-02-21 23:59:59.250'],
    ['timestamp', '2024-02-21 07:00:00', '2024-02-21 07:00:00'],
    ['timestamp', '2024-02-21T07:00:00+01:00', /UTC/],
    ['timestamp', '2024-02-21 25:00:00', /valid time/],
    // What PostgreSQL cannot hold is refused here, at the record check, never at the load.
    ['text', 'a\u0000b', /NUL character/],
    ['text', 'a\uD800b', /unpaired UTF-16 surrogate/],
    ['text', '\uD83D\uDE00 ok', '\uD83D\uDE00 ok'],
    ['date', '0000-01-01', /from 0001-01-01/],
    ['date', '0001-01-01', '0001-01-01'],
    ['date', '9999-12-31', '9999-12-31'],
    ['timestamp', '0000-12-31 23:59:59', /from 0001-01-01/],
    ['integer', -(2 ** 31), '-2147483648'],
    ['integer', '-2147483649', /in range/],
    ['bigint', '-9223372036854775809', /in range/],
    ['numeric', '1e400', /not a decimal/],
    ['numeric', 1e21, /plain decimal notation/],
    ['numeric', '12345678901234567890123456789', /more than 28 integer digits/],
  ]
  for (const [type, value, want] of values) {
    it(`reads ${JSON.stringify(value)} as ${type}`, () => {
      const got = toColumnText(type, value)
      if (typeof want === 'string') assert.deepEqual(got, { ok: true, text: want })
      else assert.ok(!got.ok && want.test(got.reason), JSON.stringify(got))
    })
  }

  it('checks a record against every column, naming each problem', () => {
    assert.deepEqual(planRecordRow(schema, { station: 'YORK', day: '2024-01-01', extra: 1 }), {
      ok: true,
      values: ['YORK', '2024-01-01', null],
    })
    assert.deepEqual(planRecordRow(schema, { day: 'soon', rain_mm: 'lots' }), {
      ok: false,
      reason: "station: required; day: expected a date YYYY-MM-DD; rain_mm: 'lots' is not a decimal",
    })
    assert.deepEqual(planRecordRow(schema, [1]), { ok: false, reason: 'the record is not a JSON object' })
  })

  it('takes only own fields (a column named constructor is not inherited), and bounds the key bytes', () => {
    const odd: DatasetSchema = {
      ...schema,
      columns: [...schema.columns, { name: 'constructor', type: 'text', required: false }],
    }
    assert.deepEqual(planRecordRow(odd, { station: 'YORK', day: '2024-01-01' }), {
      ok: true,
      values: ['YORK', '2024-01-01', null, null],
    })
    const long = planRecordRow(schema, { station: 'é'.repeat(MAX_KEY_BYTES), day: '2024-01-01' })
    assert.ok(
      !long.ok && /the key \(station, day\) takes 4010 bytes, over the 2000/.test(long.reason),
      JSON.stringify(long),
    )
  })

  it('knows the files a dataset picks up', () => {
    assert.deepEqual(
      ['a.json', 'b/c.JSONL', 'd.ndjson', 'e.csv', '.hidden/f.json', 'g.json.tmp', 'new\nline.json'].map(
        isDatasetFile,
      ),
      [true, true, true, false, false, false, true],
    )
  })

  it('versions the schema: same, added optional columns, refused changes', () => {
    assert.deepEqual(planSchemaVersion(config(), undefined), { schema: { ...schema }, register: true })
    assert.deepEqual(planSchemaVersion(config(), schema), { schema, register: false })
    const added = planSchemaVersion(
      config({ columns: [...schema.columns, { name: 'wind', type: 'integer', required: false }] }),
      schema,
    )
    assert.ok('schema' in added && added.register && added.schema.version === 2)
    const refused = planSchemaVersion(
      config({
        table: 't2',
        key: ['station'],
        columns: [
          { name: 'station', type: 'integer', required: true },
          { name: 'x', type: 'text', required: true },
        ],
      }),
      schema,
    )
    assert.deepEqual('refused' in refused && refused.refused, [
      'table changed from dataset_weather to t2',
      'key changed from (station, day) to (station)',
      'column station (text) changed to station (integer)',
      'column day (date) changed to x (text)',
      'column rain_mm was removed',
    ])
    const required = planSchemaVersion(
      config({ columns: [...schema.columns, { name: 'w', type: 'text', required: true }] }),
      schema,
    )
    assert.deepEqual('refused' in required && required.refused, ['new column w must not be required'])
  })

  it('builds the table with lineage, keyed for upsert or by version for append, last record per key winning', () => {
    const table = toDatasetTable(schema)
    assert.equal(table.load, 'upsert')
    assert.deepEqual(table.columns.map((c) => c.name).slice(3), [
      '_source_key',
      '_source_etag',
      '_record',
      '_batch_id',
    ])
    const append = toDatasetTable({ ...schema, key: [] })
    assert.deepEqual([append.load, append.key], ['append', ['_source_key', '_source_etag', '_record']])
    const rows = [
      ['A', '2024-01-01', '1', 'f', 'e', '1', 'b'],
      ['B', '2024-01-01', '2', 'f', 'e', '2', 'b'],
      ['A', '2024-01-01', '3', 'f', 'e', '3', 'b'],
    ]
    assert.deepEqual(
      planKeyedRows(schema, rows).map((r) => r[2]),
      ['3', '2'],
    )
    assert.equal(planKeyedRows({ ...schema, key: [] }, rows).length, 3)
  })
})
