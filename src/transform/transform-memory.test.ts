import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { transformMemoryLimit } from './transform-batch.ts'

describe('transformMemoryLimit', () => {
  it('gives 64MB per started 250k rows of the batch', () => {
    assert.equal(transformMemoryLimit(0), '64MB')
    assert.equal(transformMemoryLimit(1), '64MB')
    assert.equal(transformMemoryLimit(250_000), '64MB')
    assert.equal(transformMemoryLimit(250_001), '128MB')
    assert.equal(transformMemoryLimit(500_000), '128MB')
    assert.equal(transformMemoryLimit(1_000_000), '256MB')
  })
})
