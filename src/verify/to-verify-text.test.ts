import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SOURCE_TABLES } from '../core/source-catalogue.ts'
import { WAREHOUSE_TABLES } from '../core/warehouse-catalogue.ts'
import { toVerifyText } from './to-verify-text.ts'
import type { TableCounts, VerifyReport } from './verify-report.ts'

const unknown: TableCounts = {
  source: null,
  lake: null,
  processed: null,
  warehouse: null,
  lag: null,
  pending: null,
  quarantined: null,
}

/** A report of a warehouse with one batch where nothing could be read but the warehouse. */
function aReport(over: Partial<VerifyReport> = {}): VerifyReport {
  return {
    format: 'totesys-etl.verify/1',
    verdict: 'could_not_check',
    clean: false,
    exitCode: 2,
    loadedBatches: 1,
    firstBatch: '0000000001',
    lastBatch: '0000000001',
    watermarks: {},
    unavailable: [
      { system: 'source', description: 'postgres://db:5432/totesys', reason: 'connect ECONNREFUSED' },
    ],
    sourceTables: SOURCE_TABLES.map((table) => ({
      table,
      sourceRows: null,
      lakeRows: null,
      lakeVersions: null,
      lakeRepeats: null,
      watermark: null,
      problem: null,
    })),
    tables: WAREHOUSE_TABLES.map((table) => ({
      table,
      verdict: 'could_not_check',
      reason: 'the source could not be read (postgres://db:5432/totesys)',
      counts: { ...unknown, warehouse: 3 },
      differences: 0,
    })),
    warehouseRows: {},
    dimDate: { first: null, last: null, days: null },
    quarantine: { where: '/lake/_quarantine/', rows: null, entries: null, tables: [] },
    differences: [],
    problems: [],
    timings: { warehouse: 1200, source: 3 },
    ...over,
  }
}

describe('toVerifyText (pure)', () => {
  it('shows an unknown count as ?, never 0, names what could not be read, and ends with the verdict', () => {
    const text = toVerifyText(aReport())
    assert.match(text, /^dim_staff +\? +\? +\? +3 +\? +\? +\? +not checked$/m)
    assert.match(
      text,
      /could not read:\n {2}✗ the source \(postgres:\/\/db:5432\/totesys\): connect ECONNREFUSED/,
    )
    assert.match(text, /quarantine: could not be read \(\/lake\/_quarantine\/\)/)
    assert.match(text, /took 1\.2 s \(warehouse 1\.2 s, source 0\.0 s\)/)
    assert.match(text, /verify: could not check everything: the source could not be read$/)
  })

  it('lists tables not checked with a repair for source drift, and each difference with cause and repair', () => {
    const text = toVerifyText(
      aReport({
        verdict: 'differences',
        exitCode: 1,
        unavailable: [],
        tables: WAREHOUSE_TABLES.map((table) => ({
          table,
          verdict: table === 'dim_design' ? 'could_not_check' : 'clean',
          reason:
            table === 'dim_design'
              ? 'the source no longer matches the contract for dim_design (column g.file_location does not exist)'
              : null,
          counts: { ...unknown, source: 1234567 },
          differences: 0,
        })),
        differences: [
          {
            table: 'fact_payment',
            kind: 'missing',
            count: 1,
            keys: ['7|2024-03-02|10:00:00.000'],
            message: 'fact_payment: 1 expected row(s) missing: 7|2024-03-02|10:00:00.000',
            cause: 'the cause',
            repair: 'the repair',
          },
        ],
      }),
    )
    assert.match(text, /^dim_staff +1,234,567 /m)
    assert.match(
      text,
      /not checked \(1\):\n {2}\? dim_design: the source no longer matches.*\n +repair: .*schema list/,
    )
    assert.match(
      text,
      /differences \(1\):\n {2}✗ fact_payment: 1 expected row\(s\) missing: 7\|2024-03-02\|10:00:00\.000\n {6}cause: {2}the cause\n {6}repair: the repair/,
    )
    assert.match(text, /verify: 1 difference\(s\), 1 table\(s\) not checked$/)
  })

  it('says when nothing is loaded yet', () => {
    const text = toVerifyText(
      aReport({ loadedBatches: 0, firstBatch: null, lastBatch: null, unavailable: [] }),
    )
    assert.match(text, /^verify: the warehouse holds no loaded batch/)
    assert.match(text, /nothing is loaded yet: run `totesys-etl run`/)
  })
})
