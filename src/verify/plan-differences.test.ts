import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type KeySample,
  MISSING_LAYERS,
  STALE_LAYERS,
  type StaleSample,
  type TableFindings,
} from './compare-table.ts'
import {
  planDateDifferences,
  planFileDifferences,
  planTableDifferences,
  toSomeKeys,
} from './plan-differences.ts'

const none: KeySample = { count: 0, keys: [] }
const noStale: StaleSample = { count: 0, keys: [], columns: [], rows: [] }
const keys = (...k: string[]): KeySample => ({ count: k.length, keys: k })

/** Findings of a table with nothing wrong, overridden by `over`. */
function aFindings(over: Partial<TableFindings> = {}): TableFindings {
  return {
    table: 'fact_payment',
    source: 1,
    lake: 1,
    processed: 1,
    warehouse: 1,
    lag: 0,
    pending: 0,
    quarantined: 0,
    missing: Object.fromEntries(MISSING_LAYERS.map((m) => [m, none])) as TableFindings['missing'],
    stale: Object.fromEntries(STALE_LAYERS.map((s) => [s, noStale])) as TableFindings['stale'],
    unexpected: none,
    duplicated: none,
    notLoaded: none,
    processedDuplicates: none,
    ...over,
  }
}

describe('plan-differences (pure)', () => {
  it('finds nothing in clean findings', () => {
    assert.deepEqual(planTableDifferences(aFindings()), [])
  })

  const missing = (layer: (typeof MISSING_LAYERS)[number]) =>
    aFindings({ missing: { ...aFindings().missing, [layer]: keys('7|2024-03-02|10:00:00.000') } })
  for (const [layer, cause, repair] of [
    [
      'not_in_lake',
      /the extract never read it/,
      /raise EXTRACT_LAG.*UPDATE payment SET last_updated.*WHERE payment_id IN/,
    ],
    ['not_processed', /the transform dropped it/, /transform defect/],
    ['not_loaded', /deleted from the warehouse outside the pipeline/, /Rebuild from the processed store/],
    ['lake_unknown', /lake could not be read/, /verify` again/],
  ] as const) {
    it(`a missing row that stops at ${layer} says why and how to repair`, () => {
      const [d] = planTableDifferences(missing(layer))
      assert.equal(d?.kind, 'missing')
      assert.equal(d?.message, 'fact_payment: 1 expected row(s) missing: 7|2024-03-02|10:00:00.000')
      assert.match(d?.cause ?? '', cause)
      assert.match(d?.repair ?? '', repair)
    })
  }

  for (const [layer, cause] of [
    ['warehouse_only', /processed store agrees with the source/],
    ['not_in_lake', /extract never read it/],
    ['processed_differs', /processed store holds these values too/],
  ] as const) {
    it(`a stale row at ${layer} lists its columns and cause`, () => {
      const stale: StaleSample = {
        count: 2,
        keys: ['5', '6'],
        columns: ['design_name', 'file_name'],
        rows: [
          { key: '5', columns: ['design_name'] },
          { key: '6', columns: ['design_name', 'file_name'] },
        ],
      }
      const [d] = planTableDifferences(
        aFindings({ table: 'dim_design', stale: { ...aFindings().stale, [layer]: stale } }),
      )
      assert.equal(
        d?.message,
        'dim_design: 2 row(s) differ from the source: 5 (design_name), 6 (design_name, file_name)',
      )
      assert.deepEqual(d?.columns, ['design_name', 'file_name'])
      assert.match(d?.cause ?? '', cause)
    })
  }

  it('words unexpected rows by kind of table, and names duplicates in the warehouse and the processed store', () => {
    const dims = planTableDifferences(aFindings({ table: 'dim_staff', unexpected: keys('99') }))
    assert.equal(dims[0]?.message, 'dim_staff: 1 row(s) the source never had: 99')
    assert.match(dims[0]?.cause ?? '', /deleted at the source/)
    const facts = planTableDifferences(
      aFindings({
        unexpected: keys('9|2024-01-01|00:00:00.000'),
        duplicated: keys('20|2024-01-01|00:00:00.000 ×2'),
        notLoaded: keys('10|2024-01-01|00:00:00.000'),
        processedDuplicates: keys('7|2024-03-02|10:00:00.000 ×2'),
      }),
    )
    assert.deepEqual(
      facts.map((d) => [d.kind, d.message]),
      [
        ['duplicated', 'fact_payment: 1 key(s) present more than once: 20|2024-01-01|00:00:00.000 ×2'],
        ['unexpected', 'fact_payment: 1 version(s) no loaded batch holds: 9|2024-01-01|00:00:00.000'],
        ['not_loaded', 'fact_payment: 1 lake version(s) not in the warehouse: 10|2024-01-01|00:00:00.000'],
        [
          'processed_duplicate',
          'fact_payment: 1 version(s) stand in more than one processed batch: 7|2024-03-02|10:00:00.000 ×2',
        ],
      ],
    )
    assert.match(facts[3]?.repair ?? '', /warehouse keeps one copy/)
  })

  it('shows five keys and how many more', () => {
    assert.equal(toSomeKeys(['1', '2', '3', '4', '5', '6'], 40), '1, 2, 3, 4, 5 and 35 more')
    assert.equal(toSomeKeys(['1'], 1), '1')
  })

  it('puts every damaged lake file in one difference, paths first', () => {
    assert.deepEqual(planFileDifferences([]), [])
    const [d] = planFileDifferences([
      { store: 'ingestion', path: '/lake/in/currency/x.csv.gz', message: 'checksum a ≠ manifest b' },
    ])
    assert.equal(d?.keys[0], '/lake/in/currency/x.csv.gz: checksum a ≠ manifest b')
    assert.match(d?.cause ?? '', /after its manifest committed/)
  })

  it('reports dim_date gaps and dates facts refer to', () => {
    const ds = planDateDifferences({
      first: '2024-01-01',
      last: '2024-01-05',
      days: 4,
      gaps: ['2024-01-03'],
      missingReferenced: [{ table: 'fact_payment', column: 'payment_date', date: '2024-02-01' }],
    })
    assert.deepEqual(
      ds.map((d) => d.message),
      [
        'dim_date is not contiguous between 2024-01-01 and 2024-01-05: lacks 2024-01-03',
        'fact_payment.payment_date references 2024-02-01, which dim_date lacks',
      ],
    )
  })
})
