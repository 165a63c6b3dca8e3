import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { StoreError } from '../core/errors.ts'
import { storeFailureMemory } from './make-deps.ts'

describe('storeFailureMemory', () => {
  it('keeps the first failure, and forgets it only when every failing write came before the mark', () => {
    let clock = 100
    const memory = storeFailureMemory(() => clock)
    const full = new StoreError('ingestion store: cannot write a: no space left on the device (ENOSPC)')
    const again = new StoreError('ingestion store: cannot write b: no space left on the device (ENOSPC)')
    assert.equal(memory.current(), undefined)
    memory.notice(full)
    clock = 200
    memory.notice(again)
    assert.equal(memory.current(), full, 'the first failure is the one reported')
    memory.forgetBefore(150)
    assert.equal(memory.current(), full, 'a write failed after the mark: still failing')
    memory.forgetBefore(201)
    assert.equal(memory.current(), undefined, 'a cycle that started after every failure worked')
    clock = 300
    memory.notice(again)
    assert.equal(memory.current(), again, 'a new failure after recovering is reported')
  })
})
