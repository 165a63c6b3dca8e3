import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConflictError, classifyError, DataError, EtlError, isTransient, UnavailableError } from './errors.ts'

/** A driver error as pg reports it: a message and a SQLSTATE (or node errno) code. */
const driverError = (code: string | undefined, message = 'boom') =>
  Object.assign(new Error(message), code === undefined ? {} : { code })

const ids = { stage: 'load', batchId: '0000000001', table: 'dim_staff' }
const what = 'loading batch 0000000001: upserting dim_staff failed, the batch was rolled back'

describe('classifyError', () => {
  const cases = [
    { name: 'a key twice in one statement (21000)', error: driverError('21000'), want: DataError },
    { name: 'a value that does not fit (22003)', error: driverError('22003'), want: DataError },
    { name: 'a not-null violation (23502)', error: driverError('23502'), want: DataError },
    { name: 'a foreign-key violation (23503)', error: driverError('23503'), want: DataError },
    { name: 'a syntax error (42601)', error: driverError('42601'), want: EtlError },
    { name: 'a permission refusal (42501)', error: driverError('42501'), want: EtlError },
    { name: 'an error without a code', error: driverError(undefined), want: EtlError },
  ]
  for (const c of cases) {
    it(`wraps ${c.name} as ${c.want.name}, naming what failed, with the ids and the cause`, () => {
      const out = classifyError(c.error, what, ids)
      assert.ok(out instanceof c.want)
      assert.equal((out as EtlError).name, c.want.name)
      assert.equal((out as EtlError).message, `${what}: boom`)
      assert.deepEqual((out as EtlError).ids, ids)
      assert.equal((out as EtlError).cause, c.error)
      assert.equal(isTransient(out), false, 'terminal: retrying the same batch cannot help')
    })
  }

  it('appends the advice to a foreign-key violation only', () => {
    const advice = { foreignKey: 'a row references a dimension key the warehouse lacks' }
    assert.equal(
      (classifyError(driverError('23503'), what, ids, advice) as Error).message,
      `${what}: boom (a row references a dimension key the warehouse lacks)`,
    )
    assert.equal((classifyError(driverError('23505'), what, ids, advice) as Error).message, `${what}: boom`)
  })

  const passThrough = [
    { name: 'an EtlError', error: new DataError('already told', { batchId: '0000000002' }) },
    { name: 'a transient EtlError', error: new ConflictError('lost the race') },
    { name: 'a connection refused', error: driverError('ECONNREFUSED') },
    { name: 'a server shutting down (57P01)', error: driverError('57P01') },
    { name: 'a connection dropped mid-statement', error: new Error('Connection terminated unexpectedly') },
  ]
  for (const c of passThrough) {
    it(`passes ${c.name} through untouched, so its type still says whether to retry`, () => {
      assert.equal(classifyError(c.error, what, ids), c.error)
    })
  }

  it('transient is a property of the type', () => {
    assert.equal(isTransient(new UnavailableError('down')), true)
    assert.equal(isTransient(new DataError('bad')), false)
  })
})
