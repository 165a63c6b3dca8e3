import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '../config.ts'
import { parseDatasets } from './dataset-config.ts'

const aDataset = (over: Record<string, unknown> = {}) => ({
  name: 'weather',
  source: 's3://partner-drop/weather/daily',
  key: ['station'],
  columns: [
    { name: 'station', type: 'text', required: true },
    { name: 'rain_mm', type: 'numeric' },
  ],
  ...over,
})

describe('dataset-config', () => {
  it('reads DATASETS into typed datasets with defaults', () => {
    assert.deepEqual(parseDatasets(undefined), [])
    assert.deepEqual(parseDatasets('  '), [])
    const [d] = loadConfig({ DATASETS: JSON.stringify([aDataset()]) }).datasets
    assert.deepEqual(d, {
      name: 'weather',
      source: { kind: 's3', bucket: 'partner-drop', prefix: 'weather/daily' },
      table: 'dataset_weather',
      key: ['station'],
      columns: [
        { name: 'station', type: 'text', required: true },
        { name: 'rain_mm', type: 'numeric', required: false },
      ],
      maxFilesPerRun: 100,
      maxFileBytes: 64 * 1024 * 1024,
    })
    const [folder] = parseDatasets(
      JSON.stringify([aDataset({ source: '/srv/drop', table: 'weather_daily' })]),
    )
    assert.deepEqual(
      [folder?.source, folder?.table],
      [{ kind: 'folder', path: '/srv/drop' }, 'weather_daily'],
    )
  })

  const refused: [string, unknown, RegExp][] = [
    ['text that is not JSON', '[{', /DATASETS is not JSON/],
    ['an object instead of a list', { name: 'x' }, /at \(root\)/],
    ['a bad name', [aDataset({ name: 'Weather' })], /at 0\.name: must be a lower-case identifier/],
    ['an unknown type', [aDataset({ columns: [{ name: 'a', type: 'float' }] })], /at 0\.columns\.0\.type/],
    ['an unknown field', [aDataset({ schedule: '5m' })], /at 0/],
    [
      'a column twice',
      [
        aDataset({
          key: [],
          columns: [
            { name: 'a', type: 'text' },
            { name: 'a', type: 'text' },
          ],
        }),
      ],
      /column a is declared twice/,
    ],
    ['a key that is not a column', [aDataset({ key: ['day'] })], /key column day is not a declared column/],
    ['an optional key column', [aDataset({ key: ['rain_mm'] })], /key column rain_mm must be required/],
    ['a core table', [aDataset({ table: 'fact_payment' })], /table fact_payment is taken/],
    ['the FX table', [aDataset({ table: 'fact_fx_rate' })], /table fact_fx_rate is taken/],
    [
      'a column starting with _',
      [aDataset({ columns: [{ name: '_record', type: 'text' }] })],
      /lower-case identifier/,
    ],
    [
      'two datasets with one name',
      [aDataset(), aDataset({ table: 'other' })],
      /two datasets use the name weather/,
    ],
    [
      'two datasets with one table',
      [aDataset(), aDataset({ name: 'rain', table: 'dataset_weather' })],
      /two datasets use the table dataset_weather/,
    ],
    ['a bad bucket', [aDataset({ source: 's3://A_bucket/x' })], /invalid bucket name 'A_bucket'/],
    [
      'another scheme',
      [aDataset({ source: 'https://example.com/drop' })],
      /s3:\/\/bucket\[\/prefix\] or a folder path/,
    ],
  ]
  for (const [name, value, message] of refused) {
    it(`refuses ${name}`, () => {
      const text = typeof value === 'string' ? value : JSON.stringify(value)
      assert.throws(
        () => loadConfig({ DATASETS: text }),
        (e: Error) => e.name === 'ConfigError' && message.test(e.message),
      )
    })
  }
})
