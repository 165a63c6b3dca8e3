import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type LogicalFacts, toLogicalVerdict } from './plan-logical-check.ts'

const ready: LogicalFacts = {
  kind: 'server',
  walLevel: 'logical',
  major: 15,
  maxSlots: 10,
  slotsUsed: 2,
  canReplicate: true,
  rdsReplication: false,
  publicationExists: false,
  canPublish: true,
  slotExists: false,
  slotRetainedBytes: null,
}

describe('toLogicalVerdict', () => {
  const cases: [string, LogicalFacts, boolean, RegExp][] = [
    ['PGlite', { kind: 'embedded' }, false, /PGlite has no logical decoding/],
    ['a ready server', ready, true, /possible .*not yet created/],
    [
      'wal_level replica',
      { ...ready, walLevel: 'replica' },
      false,
      /wal_level is replica .*rds.logical_replication/,
    ],
    ['no replication right', { ...ready, canReplicate: false }, false, /rds_replication/],
    ['rds_replication is enough', { ...ready, canReplicate: false, rdsReplication: true }, true, /possible/],
    ['every slot taken', { ...ready, slotsUsed: 10 }, false, /no free replication slot \(10 of/],
    [
      'our slot exists though every slot is taken',
      { ...ready, slotsUsed: 10, slotExists: true, slotRetainedBytes: 0 },
      true,
      /retains 0.0 MB/,
    ],
    ['PostgreSQL 14', { ...ready, major: 14 }, false, /15 or later/],
    ['no publication and no right to make one', { ...ready, canPublish: false }, false, /publication/],
  ]
  for (const [what, facts, ok, text] of cases) {
    it(what, () => {
      const v = toLogicalVerdict(facts, 'totesys_etl', 1024 ** 3)
      assert.equal(v.ok, ok)
      assert.match(v.text, text)
    })
  }

  it('warns when the slot retains more WAL than CDC_WAL_ALERT', () => {
    const v = toLogicalVerdict(
      { ...ready, slotExists: true, slotRetainedBytes: 3 * 1024 ** 2 },
      's',
      1024 ** 2,
    )
    assert.equal(v.ok, true)
    assert.match(v.warning ?? '', /retains 3.0 MB of WAL, over CDC_WAL_ALERT \(1.0 MB\)/)
  })
})
