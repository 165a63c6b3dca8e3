import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { WarehouseType } from '../core/warehouse-catalogue.ts'
import { type DuckDb, openDuckDb, sqlString } from '../io/duckdb.ts'
import { canonicalSql } from './duck-tables.ts'

describe('canonicalSql (DuckDB)', () => {
  let db: DuckDb
  before(async () => {
    db = await openDuckDb()
  })
  after(async () => {
    await db.close()
  })

  // Each pair: how PostgreSQL's COPY writes a value, and how another layer may hold it (text or typed).
  const same: [WarehouseType, string, string][] = [
    ['numeric', "'2.50'", "'2.5'"],
    ['numeric(10,2)', "'-12.340'", 'CAST(-12.34 AS DECIMAL(10,2))'],
    ['numeric', "'0.00'", "'0'"],
    ['time', "'10:00:00.000000'", "TIME '10:00:00'"],
    ['time', "'10:00:00.120000'", "'10:00:00.12'"],
    ['date', "'2024-02-29'", "DATE '2024-02-29'"],
    ['bool', "'t'", 'true'],
    ['bool', "'f'", "'false'"],
    ['int4', "'007'", '7'],
    ['varchar', "''", "''"],
  ]
  for (const [type, a, b] of same) {
    it(`${type}: ${a} and ${b} are the same value`, async () => {
      const [row] = await db.rows<{ same: boolean }>(
        `SELECT ${canonicalSql(type, a)} IS NOT DISTINCT FROM ${canonicalSql(type, b)} AS same`,
      )
      assert.equal(row?.same, true)
    })
  }

  const different: [WarehouseType, string, string][] = [
    ['numeric', "'2.50'", "'2.51'"],
    ['varchar', "'a'", "'a '"],
    ['time', "'10:00:00.001'", "'10:00:00'"],
  ]
  for (const [type, a, b] of different) {
    it(`${type}: ${a} and ${b} differ`, async () => {
      const [row] = await db.rows<{ same: boolean }>(
        `SELECT ${canonicalSql(type, a)} IS NOT DISTINCT FROM ${canonicalSql(type, b)} AS same`,
      )
      assert.equal(row?.same, false)
    })
  }

  it('turns source text that is no date into NULL, which still differs from any date', async () => {
    const [row] = await db.rows<{ same: boolean }>(
      `SELECT ${canonicalSql('date', sqlString('soon'))} IS NOT DISTINCT FROM ${canonicalSql('date', "DATE '2024-01-01'")} AS same`,
    )
    assert.equal(row?.same, false)
  })
})
