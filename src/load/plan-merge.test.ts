import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { WAREHOUSE_CATALOGUE } from '../core/warehouse-catalogue.ts'
import {
  toAppendSql,
  toMergeTable,
  toParquetColumns,
  toParquetProblems,
  toStagingCopySql,
  toStagingDdl,
  toUpsertSql,
} from './plan-merge.ts'

const columnsOf = (table: keyof typeof WAREHOUSE_CATALOGUE, types: Record<string, string> = {}) =>
  WAREHOUSE_CATALOGUE[table].columns.map((c) => ({
    name: c.name,
    type:
      types[c.name] ??
      {
        int4: 'INTEGER',
        varchar: 'VARCHAR',
        date: 'DATE',
        time: 'TIME',
        numeric: 'DECIMAL(10,2)',
        'numeric(10,2)': 'DECIMAL(10,2)',
        bool: 'BOOLEAN',
      }[c.type],
  }))

describe('plan-merge', () => {
  it('stages a table with the catalogue columns, dropped at commit', () => {
    assert.equal(
      toStagingDdl(toMergeTable('dim_currency')),
      'CREATE TEMP TABLE "stage_dim_currency" ("currency_id" integer, "currency_code" varchar, "currency_name" varchar) ON COMMIT DROP',
    )
    assert.equal(
      toStagingCopySql(toMergeTable('dim_currency')),
      'COPY "stage_dim_currency" ("currency_id", "currency_code", "currency_name") FROM STDIN (FORMAT csv)',
    )
  })

  it('upserts a dim on its key, rewriting only changed rows', () => {
    const sql = toUpsertSql(toMergeTable('dim_currency'), 'dim_currency')
    assert.match(
      sql,
      /ON CONFLICT \("currency_id"\) DO UPDATE SET "currency_code" = EXCLUDED."currency_code"/,
    )
    assert.match(sql, /WHERE \(t."currency_code", t."currency_name"\) IS DISTINCT FROM \(EXCLUDED/)
    assert.throws(() => toUpsertSql(toMergeTable('fact_payment'), 'fact_payment'), /not a dimension/)
  })

  it('appends fact versions not present for the same natural id and last_updated', () => {
    const sql = toAppendSql(toMergeTable('fact_purchase_orders'), 'fact_purchase_order')
    assert.match(sql, /INSERT INTO "fact_purchase_order" \("purchase_order_id"/)
    assert.match(
      sql,
      /NOT EXISTS \(SELECT 1 FROM "fact_purchase_order" AS f WHERE f."purchase_order_id" = s."purchase_order_id" AND f."last_updated_date" = s."last_updated_date" AND f."last_updated_time" = s."last_updated_time"\)/,
    )
    assert.throws(() => toAppendSql(toMergeTable('dim_date'), 'dim_date'), /not a fact/)
  })

  const schemaCases = [
    { name: 'a matching file', table: 'fact_payment', columns: columnsOf('fact_payment'), want: [] },
    {
      name: 'money as a float',
      table: 'fact_payment',
      columns: columnsOf('fact_payment', { payment_amount: 'DOUBLE' }),
      want: ['payment_amount is DOUBLE, expected numeric'],
    },
    {
      name: 'a missing column',
      table: 'dim_currency',
      columns: columnsOf('dim_currency').slice(0, 2),
      want: ['columns are (currency_id, currency_code)'],
    },
    {
      name: 'columns out of order',
      table: 'dim_payment_type',
      columns: [...columnsOf('dim_payment_type')].reverse(),
      want: ['columns are (payment_type_name, payment_type_id)'],
    },
  ] as const
  for (const c of schemaCases) {
    it(`checks a parquet schema: ${c.name}`, () => {
      assert.deepEqual(toParquetProblems(toParquetColumns(c.table), c.columns), c.want)
    })
  }
})
