import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LogEntry } from '../../log.ts'
import { formatMs, renderLogEntry, rowsOf } from './render-log-entry.ts'

const entry = (level: LogEntry['level'], message: string, fields: LogEntry['fields'] = {}): LogEntry => ({
  level,
  message,
  fields,
})
const plain = { color: false, clock: '12:00:01' }

describe('renderLogEntry', () => {
  for (const [name, input, expected] of [
    [
      'a committed extract',
      entry('info', 'extract committed a batch', {
        stage: 'extract',
        batchId: '0000000042',
        rows: 1630,
        tables: { payment: 1630 },
        more: false,
        ms: 410,
      }),
      '12:00:01 ✔ extract   batch 0000000042  1,630 rows  0.41 s',
    ],
    [
      'a transformed batch, rows per table, some held',
      entry('info', 'batch transformed', {
        stage: 'transform',
        batchId: '0000000042',
        committed: true,
        rows: { fact_payment: 1000, dim_date: 30 },
        quarantinedRows: 2,
        ms: 1234,
      }),
      '12:00:01 ✔ transform batch 0000000042  1,030 rows  2 held in quarantine  1.23 s',
    ],
    [
      'a loaded batch, rows from its tables',
      entry('info', 'batch loaded', {
        stage: 'load',
        batchId: '0000000042',
        tables: {
          fact_payment: { rows: 1600, inserted: 1600 },
          dim_date: { rows: 30, inserted: 2, updated: 0 },
        },
        ms: 410,
      }),
      '12:00:01 ✔ load      batch 0000000042  1,630 rows  0.41 s',
    ],
    [
      'a transform another run committed first',
      entry('info', 'batch transformed', {
        stage: 'transform',
        batchId: '0000000007',
        committed: false,
        ms: 5,
      }),
      '12:00:01 ↷ transform batch 0000000007  done by another run  0.01 s',
    ],
    [
      'a batch another loader took',
      entry('info', 'batch already loaded by another run', { stage: 'load', batchId: '0000000007' }),
      '12:00:01 ↷ load      batch 0000000007  done by another run',
    ],
    [
      'a stream batch with its own fields',
      entry('info', 'fx answers landed', {
        stage: 'fx',
        batchId: '0000000003',
        from: '2024-01-01',
        requests: 8,
      }),
      '12:00:01 ✔ fx        batch 0000000003  from=2024-01-01  requests=8',
    ],
    [
      'a warning',
      entry('warn', 'load stopped at a missing batch', { stage: 'load', batchId: '0000000009' }),
      '12:00:01 ⚠ load stopped at a missing batch  batchId=0000000009',
    ],
    [
      'an alert with its error',
      entry('alert', 'extract could not read a table; its cursor stays where it was', {
        stage: 'extract',
        table: 'payment',
        alert: true,
        error: 'Error: column last_updated of payment is missing',
        ids: { key: 'x' },
      }),
      '12:00:01 ‼ ALERT extract could not read a table; its cursor stays where it was  table=payment  Error: column last_updated of payment is missing',
    ],
    [
      'any other entry: message and fields',
      entry('info', 'source seeded', { db: 'pglite:/tmp/x', rows: 30000, seed: 730317007, ms: 65000 }),
      '12:00:01 · source seeded  db=pglite:/tmp/x  rows=30,000  seed=730317007  1m 05s',
    ],
    [
      'a failed command, our error name dropped, the exit code explained',
      entry('error', 'command failed', {
        command: 'extract',
        exitCode: 75,
        error:
          'UnavailableError: cannot connect to the source (TOTESYS_DB_URL) at postgres://u:***@h/db: ECONNREFUSED',
        causes: ['Error: connect ECONNREFUSED'],
      }),
      '12:00:01 ✖ extract: cannot connect to the source (TOTESYS_DB_URL) at postgres://u:***@h/db: ECONNREFUSED  [exit 75: temporary: try again later]',
    ],
    [
      'an unexpected error keeps its name',
      entry('error', 'command failed', { command: 'run', exitCode: 1, error: 'TypeError: x is undefined' }),
      '12:00:01 ✖ run: TypeError: x is undefined  [exit 1]',
    ],
    [
      'the summary of a stopped service',
      entry('info', 'service stopped', { batches: 12, rows: 15230, failures: 0, freshnessSeconds: 3.2 }),
      [
        '12:00:01 ■ stopped',
        '           batches   12',
        '           rows      15,230',
        '           failures  0',
        '           freshness 3.20 s',
      ].join('\n'),
    ],
    [
      'a stopped service that never loaded: unknown freshness, never zero',
      entry('info', 'service stopped', { batches: 0, rows: 0, failures: 2, freshnessSeconds: null }),
      [
        '12:00:01 ■ stopped',
        '           batches   0',
        '           rows      0',
        '           failures  2',
        '           freshness unknown',
      ].join('\n'),
    ],
  ] as const) {
    it(`renders ${name}`, () => assert.equal(renderLogEntry(input, plain), expected))
  }

  it('keeps an idle extract quiet unless verbose', () => {
    const idle = entry('info', 'extract found no changes', { stage: 'extract', ms: 12, failedTables: 0 })
    assert.equal(renderLogEntry(idle, plain), undefined)
    assert.equal(
      renderLogEntry(idle, { ...plain, verbose: true }),
      '12:00:01 · extract found no changes  0.01 s  failedTables=0',
    )
  })

  it('colours only when asked (NO_COLOR, a pipe: no escape codes)', () => {
    const ESC = String.fromCharCode(27)
    const warn = entry('warn', 'x', {})
    assert.ok(!(renderLogEntry(warn, { color: false }) ?? '').includes(ESC))
    assert.ok((renderLogEntry(warn, { color: true }) ?? '').includes(`${ESC}[33m`), 'yellow')
    const alert = entry('alert', 'y', {})
    assert.ok((renderLogEntry(alert, { color: true }) ?? '').includes(`${ESC}[31m`), 'red')
  })

  it('omits the clock when none is given', () => {
    assert.equal(renderLogEntry(entry('info', 'hello'), { color: false }), '· hello')
  })
})

describe('rowsOf and formatMs', () => {
  it('reads rows however a stage gives them', () => {
    assert.equal(rowsOf({ rows: 5 }), 5)
    assert.equal(rowsOf({ rows: { a: 2, b: 3 } }), 5)
    assert.equal(rowsOf({ tables: { a: { rows: 2 }, b: { rows: 4 } } }), 6)
    assert.equal(rowsOf({}), undefined)
  })
  it('formats durations', () => {
    assert.equal(formatMs(410), '0.41 s')
    assert.equal(formatMs(65_000), '1m 05s')
  })
})
