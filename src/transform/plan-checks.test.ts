import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ObservedColumn } from '../core/manifests/ingestion.ts'
import { catalogueSchema, planSchemaCheck } from './schema-registry.ts'
import { sourceNeeds } from './source-needs.ts'
import { planDateRange } from './transform-state.ts'

const observed = (edit: (cols: ObservedColumn[]) => ObservedColumn[] = (c) => c): ObservedColumn[] =>
  edit(
    catalogueSchema('currency').columns.map((c) => ({
      name: c.name,
      type: c.type,
      pgType: c.type,
      nullable: c.nullable,
    })),
  )

describe('planSchemaCheck', () => {
  const cases: { name: string; cols: ObservedColumn[]; verdict: 'ok' | 'blocked'; match?: RegExp }[] = [
    { name: 'the catalogue shape', cols: observed(), verdict: 'ok' },
    {
      name: 'a needed column missing',
      cols: observed((c) => c.filter((x) => x.name !== 'currency_code')),
      verdict: 'blocked',
      match: /currency_code.*missing/,
    },
    {
      name: 'a needed column retyped',
      cols: observed((c) => c.map((x) => (x.name === 'currency_id' ? { ...x, type: 'text' } : x))),
      verdict: 'blocked',
      match: /changed type/,
    },
    {
      name: 'an unneeded column dropped',
      cols: observed((c) => c.filter((x) => x.name !== 'created_at')),
      verdict: 'ok',
      match: /created_at dropped/,
    },
    {
      name: 'a column added',
      cols: observed((c) => [...c, { name: 'symbol', type: 'text', pgType: 'text', nullable: true }]),
      verdict: 'ok',
      match: /symbol added/,
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const check = planSchemaCheck(
        catalogueSchema('currency'),
        c.cols,
        sourceNeeds('currency'),
        '0000000001',
      )
      assert.equal(check.verdict, c.verdict)
      const text = check.verdict === 'blocked' ? check.problems.join() : check.changes.join()
      if (c.match) assert.match(text, c.match)
      else assert.equal(text, '')
    })
  }
  it('reads a renamed column under its catalogue name once accepted', () => {
    const schema = { ...catalogueSchema('currency'), renames: { code: 'currency_code' } }
    const cols = observed((c) => c.map((x) => (x.name === 'currency_code' ? { ...x, name: 'code' } : x)))
    const check = planSchemaCheck({ ...schema, columns: cols }, cols, sourceNeeds('currency'), '0000000002')
    assert.equal(check.verdict, 'ok')
    if (check.verdict === 'ok') assert.equal(check.sourceNames.get('currency_code'), 'code')
  })
  it('a rename the source undid (the catalogue name is back) is compatible drift, not held', () => {
    const renamed = observed((c) => c.map((x) => (x.name === 'currency_code' ? { ...x, name: 'code' } : x)))
    const schema = { ...catalogueSchema('currency'), columns: renamed, renames: { code: 'currency_code' } }
    const check = planSchemaCheck(schema, observed(), sourceNeeds('currency'), '0000000003')
    assert.equal(check.verdict, 'ok')
    if (check.verdict !== 'ok') return
    assert.equal(check.sourceNames.get('currency_code'), 'currency_code')
    assert.deepEqual(check.next?.renames, {})
    assert.match(check.changes.join(), /currency_code is back under its catalogue name/)
  })
  it("restoring the catalogue's own type after an accepted retype is not held", () => {
    const retyped = observed((c) => c.map((x) => (x.name === 'currency_id' ? { ...x, type: 'text' } : x)))
    const schema = { ...catalogueSchema('currency'), columns: retyped }
    const check = planSchemaCheck(schema, observed(), sourceNeeds('currency'), '0000000003')
    assert.equal(check.verdict, 'ok')
    if (check.verdict === 'ok')
      assert.match(check.changes.join(), /currency_id changed type from text to int/)
  })
})

describe('planDateRange', () => {
  const cases = [
    { prev: [null, null], batch: [null, null], out: { lo: null, hi: null, spans: [] } },
    {
      prev: [null, null],
      batch: ['2024-02-01', '2024-02-03'],
      out: { lo: '2024-02-01', hi: '2024-02-03', spans: [{ lo: '2024-02-01', hi: '2024-02-03' }] },
    },
    {
      prev: ['2024-01-01', '2024-02-02'],
      batch: ['2024-02-01', '2024-02-10'],
      out: { lo: '2024-01-01', hi: '2024-02-10', spans: [{ lo: '2024-02-03', hi: '2024-02-10' }] },
    },
    {
      prev: ['2024-01-01', '2024-03-01'],
      batch: ['2023-12-30', '2024-01-02'],
      out: { lo: '2023-12-30', hi: '2024-03-01', spans: [{ lo: '2023-12-30', hi: '2023-12-31' }] },
    },
    {
      prev: ['2024-02-27', '2024-02-28'],
      batch: ['2024-02-01', '2024-03-01'],
      out: {
        lo: '2024-02-01',
        hi: '2024-03-01',
        spans: [
          { lo: '2024-02-01', hi: '2024-02-26' },
          { lo: '2024-02-29', hi: '2024-03-01' },
        ],
      },
    },
    {
      prev: ['2024-01-01', '2024-03-01'],
      batch: ['2024-01-15', '2024-02-15'],
      out: { lo: '2024-01-01', hi: '2024-03-01', spans: [] },
    },
    {
      prev: ['2024-01-01', '2024-03-01'],
      batch: [null, null],
      out: { lo: '2024-01-01', hi: '2024-03-01', spans: [] },
    },
  ] as const
  for (const c of cases) {
    it(`${c.prev.join('..')} + ${c.batch.join('..')}`, () => {
      assert.deepEqual(
        planDateRange({ dateLo: c.prev[0], dateHi: c.prev[1] }, { lo: c.batch[0], hi: c.batch[1] }),
        c.out,
      )
    })
  }
})
