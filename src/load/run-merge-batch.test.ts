import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BULK_SHARE_DIVISOR, isBulkAppend } from './run-merge-batch.ts'

describe('isBulkAppend', () => {
  it('takes the bulk path for a batch of at least minRows that is at least 1/24 of the table', () => {
    assert.equal(BULK_SHARE_DIVISOR, 24)
    assert.equal(isBulkAppend(250_000, 0, 2_000), true, 'a first load into an empty table')
    assert.equal(isBulkAppend(250_000, 6_000_000, 2_000), true)
    assert.equal(isBulkAppend(10_000, 124_000, 2_000), true, "the bench's 10k cycles")
    assert.equal(isBulkAppend(10_000, 240_000, 2_000), true)
    assert.equal(isBulkAppend(10_000, 241_000, 2_000), false)
    assert.equal(isBulkAppend(30_000, 990_000, 2_000), false)
    assert.equal(isBulkAppend(2_000, 99_000, 2_000), false, 'a few thousand facts into a large table')
    assert.equal(isBulkAppend(1_999, 0, 2_000), false, 'under minRows')
  })

  it('takes another share when told (Infinity: whatever the table holds)', () => {
    assert.equal(isBulkAppend(1, 1e9, 1, Number.POSITIVE_INFINITY), true)
    assert.equal(isBulkAppend(100, 401, 1, 4), false)
    assert.equal(isBulkAppend(100, 400, 1, 4), true)
  })
})
