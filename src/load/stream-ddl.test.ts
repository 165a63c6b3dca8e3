import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { FX_RATE_TABLE } from '../core/stream-catalogue.ts'
import { toAppendSql, toUpsertSql } from './plan-merge.ts'
import {
  planStreamTablesDdl,
  STREAM_LEDGER_DDL,
  toAddColumnsDdl,
  toStreamMergeTable,
  toStreamTableDdl,
} from './stream-ddl.ts'

/** SQL without comments, quotes, IF NOT EXISTS and layout: what a statement says, not how. */
const normalise = (sql: string) =>
  sql
    .replace(/--.*$/gm, '')
    .replaceAll('"', '')
    .replace(/IF NOT EXISTS /g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim()

describe('stream-ddl', () => {
  it('creates fact_fx_rate exactly as sql/extensions.sql documents it', () => {
    const documented = readFileSync(new URL('../../sql/extensions.sql', import.meta.url), 'utf8')
    const statement = /CREATE TABLE fact_fx_rate \([^;]*\);/.exec(documented.replace(/--.*$/gm, ''))?.[0]
    assert.ok(statement, 'sql/extensions.sql documents fact_fx_rate')
    assert.equal(`${normalise(toStreamTableDdl(FX_RATE_TABLE))};`, normalise(statement))
  })

  it('merges upsert tables like dims and append tables like facts, through the shared builders', () => {
    const fx = toStreamMergeTable(FX_RATE_TABLE)
    assert.equal(fx.kind, 'dim')
    const upsert = toUpsertSql(fx, 'fact_fx_rate')
    assert.match(
      upsert,
      /ON CONFLICT \("date_id", "base_currency_id", "quote_currency_id"\) DO UPDATE SET "rate" = EXCLUDED."rate"/,
    )
    const events = toStreamMergeTable({
      name: 'dataset_events',
      load: 'append',
      key: ['_source_key', '_record'],
      columns: [
        { name: 'id', type: 'bigint', nullable: false },
        { name: 'note', type: 'text', nullable: true },
        { name: '_source_key', type: 'text', nullable: false },
        { name: '_record', type: 'integer', nullable: false },
      ],
    })
    assert.match(
      toAppendSql(events, 'dataset_events'),
      /WHERE NOT EXISTS \(SELECT 1 FROM "dataset_events" AS f WHERE f."_source_key" = s."_source_key" AND f."_record" = s."_record"\)/,
    )
    assert.throws(() => toAppendSql(fx, 'fact_fx_rate'), /not a fact/)
    assert.deepEqual(
      toAddColumnsDdl({
        ...FX_RATE_TABLE,
        columns: [...FX_RATE_TABLE.columns, { name: 'note', type: 'text', nullable: true }],
      }),
      ['ALTER TABLE "fact_fx_rate" ADD COLUMN IF NOT EXISTS "note" text'],
    )
  })
})

describe('planStreamTablesDdl', () => {
  const withNote = {
    ...FX_RATE_TABLE,
    columns: [...FX_RATE_TABLE.columns, { name: 'note', type: 'text' as const, nullable: true }],
  }
  const fxColumns = new Set(FX_RATE_TABLE.columns.map((c) => c.name))
  const cases = [
    {
      name: 'nothing when the ledger, the table and its columns exist',
      existing: { ledger: true, columns: new Map([['fact_fx_rate', new Set([...fxColumns, 'note'])]]) },
      want: [],
    },
    {
      name: 'the ledger and the table when neither exists',
      existing: { ledger: false, columns: new Map() },
      want: [STREAM_LEDGER_DDL, toStreamTableDdl(withNote)],
    },
    {
      name: 'only the table when the ledger exists',
      existing: { ledger: true, columns: new Map() },
      want: [toStreamTableDdl(withNote)],
    },
    {
      name: 'only the nullable column a later schema version added',
      existing: { ledger: true, columns: new Map([['fact_fx_rate', fxColumns]]) },
      want: ['ALTER TABLE "fact_fx_rate" ADD COLUMN IF NOT EXISTS "note" text'],
    },
  ]
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(planStreamTablesDdl([withNote], c.existing), c.want))
  }
})
