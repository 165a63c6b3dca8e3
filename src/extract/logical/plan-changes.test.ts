import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DataError } from '../../core/errors.ts'
import type { PgoutputMessage } from './parse-pgoutput.ts'
import { planChanges } from './plan-changes.ts'

const rel = (oid: number, name: string, columns: string[]): PgoutputMessage => ({
  kind: 'relation',
  oid,
  namespace: 'public',
  name,
  replicaIdentity: 'd',
  columns: columns.map((c, i) => ({ name: c, key: i === 0, typeOid: 23, typmod: -1 })),
})
const cur = rel(1, 'currency', ['currency_id', 'currency_code', 'last_updated'])
const begin: PgoutputMessage = { kind: 'begin', finalLsn: 0n, commitTimeUs: 0n, xid: 1 }
const commit = (end: bigint): PgoutputMessage => ({
  kind: 'commit',
  commitLsn: end - 1n,
  endLsn: end,
  commitTimeUs: 1_000_000n,
})
const ins = (id: string, code: string, lu: string): PgoutputMessage => ({
  kind: 'insert',
  oid: 1,
  tuple: [id, code, lu],
})

describe('planChanges', () => {
  it('takes whole transactions only, in commit order, the last write of a version winning', () => {
    const set = planChanges(
      [
        cur,
        begin,
        ins('1', 'GBP', 't1'),
        { kind: 'update', oid: 1, old: null, tuple: ['1', 'EUR', 't1'] },
        ins('2', 'USD', 't2'),
        commit(10n),
        begin,
        { kind: 'delete', oid: 1, old: ['2', null, null] },
        commit(20n),
        begin,
        ins('3', 'JPY', 't3'), // no commit yet: not taken
      ],
      0n,
    )
    assert.equal(set.transactions, 2)
    assert.equal(set.endLsn, 20n)
    assert.deepEqual(set.tables.get('currency')?.rows, [
      ['1', 'EUR', 't1'],
      ['2', 'USD', 't2'],
    ])
    assert.deepEqual(set.deletes.get('currency'), [{ key: 2, deletedAt: '2000-01-01 00:00:01.000000' }])
  })

  it('skips transactions that end at or before the position the lake already holds', () => {
    const msgs = [cur, begin, ins('1', 'A', 't1'), commit(10n), begin, ins('2', 'B', 't2'), commit(20n)]
    assert.deepEqual(planChanges(msgs, 10n).tables.get('currency')?.rows, [['2', 'B', 't2']])
    assert.equal(planChanges(msgs, 20n).transactions, 0)
    assert.equal(planChanges(msgs, 20n).endLsn, null)
  })

  it('keeps two versions of a row with different stamps, and ignores relations outside the catalogue', () => {
    const set = planChanges(
      [
        cur,
        rel(2, 'audit_log', ['id']),
        begin,
        ins('1', 'A', 't1'),
        { kind: 'insert', oid: 2, tuple: ['9'] },
        { kind: 'update', oid: 1, old: null, tuple: ['1', 'B', 't2'] },
        commit(5n),
      ],
      0n,
    )
    assert.equal(set.tables.get('currency')?.rows.length, 2)
    assert.deepEqual([...set.tables.keys()], ['currency'])
  })

  for (const [what, change, why] of [
    [
      'an unchanged TOAST value',
      { kind: 'insert', oid: 1, tuple: ['1', { unchanged: true }, 't'] },
      /REPLICA IDENTITY FULL/,
    ],
    ['a change before its relation', { kind: 'insert', oid: 7, tuple: ['1'] }, /before its Relation/],
    ['a delete without its key', { kind: 'delete', oid: 1, old: [null, null, null] }, /without its key/],
  ] as const) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => planChanges([cur, begin, change as PgoutputMessage, commit(1n)], 0n),
        (e) => e instanceof DataError && why.test(e.message),
      )
    })
  }

  it('reports a truncate by table', () => {
    const set = planChanges([cur, begin, { kind: 'truncate', oids: [1] }, commit(3n)], 0n)
    assert.deepEqual(set.truncated, ['currency'])
  })
})
