import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { encodePgoutput } from '../../../test/support/pgoutput-encode.ts'
import { DataError } from '../../core/errors.ts'
import {
  formatLsn,
  formatPgTimestamp,
  type PgoutputMessage,
  parseLsn,
  parsePgoutput,
} from './parse-pgoutput.ts'

const value = fc.oneof(
  fc.constant(null),
  fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000')),
  fc.constant({ unchanged: true } as const),
)
const lsn = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
const time = fc.bigInt({ min: -(2n ** 50n), max: 2n ** 50n })
const oid = fc.integer({ min: 1, max: 2 ** 32 - 1 })
const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/)
const tuple = fc.array(value, { maxLength: 8 })

const message: fc.Arbitrary<PgoutputMessage> = fc.oneof(
  fc.record({ kind: fc.constant('begin'), finalLsn: lsn, commitTimeUs: time, xid: oid }),
  fc.record({ kind: fc.constant('commit'), commitLsn: lsn, endLsn: lsn, commitTimeUs: time }),
  fc.record({
    kind: fc.constant('relation'),
    oid,
    namespace: name,
    name,
    replicaIdentity: fc.constantFrom('d', 'n', 'f', 'i'),
    columns: fc.array(
      fc.record({ name, key: fc.boolean(), typeOid: oid, typmod: fc.integer({ min: -1, max: 1000 }) }),
      { maxLength: 6 },
    ),
  }),
  fc.record({ kind: fc.constant('insert'), oid, tuple }),
  fc.record({ kind: fc.constant('update'), oid, old: fc.option(tuple, { nil: null }), tuple }),
  fc.record({ kind: fc.constant('delete'), oid, old: tuple }),
  fc.record({ kind: fc.constant('truncate'), oids: fc.array(oid, { maxLength: 4 }) }),
) as fc.Arbitrary<PgoutputMessage>

describe('parsePgoutput', () => {
  it('reads back every message as the server encodes it', () => {
    fc.assert(
      fc.property(message, (m) => {
        assert.deepEqual(parsePgoutput(encodePgoutput(m)), structuredClone(m))
      }),
    )
  })

  it('throws a DataError, never reads past the end, for any truncated or extended message', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.boolean(), (m, cut, extend) => {
        const bytes = encodePgoutput(m)
        const bad = extend ? Buffer.concat([bytes, Buffer.from([1])]) : bytes.subarray(0, cut % bytes.length)
        assert.throws(() => parsePgoutput(bad), DataError)
      }),
    )
  })

  for (const [bytes, why] of [
    [Buffer.from('Z'), /unknown type 'Z'/],
    [Buffer.from([0x49, 0, 0, 0, 1, 0x58]), /marker 'X'/],
    [Buffer.from([0x44, 0, 0, 0, 1, 0x4e]), /expected 'K' or 'O'/],
    [Buffer.from([0x49, 0, 0, 0, 1, 0x4e, 0, 1, 0x62]), /unknown kind 'b'/],
  ] as const) {
    it(`refuses ${why}`, () => assert.throws(() => parsePgoutput(bytes), why))
  }
})

describe('LSNs and timestamps', () => {
  it('formats and parses LSNs as PostgreSQL prints them', () => {
    assert.equal(formatLsn(0x16b374d848n), '16/B374D848')
    assert.equal(parseLsn('16/B374D848'), 0x16b374d848n)
    fc.assert(fc.property(lsn, (l) => assert.equal(parseLsn(formatLsn(l)), l)))
    assert.throws(() => parseLsn('16-B3'), DataError)
  })

  it('turns microseconds since 2000 into naive UTC text', () => {
    assert.equal(formatPgTimestamp(0n), '2000-01-01 00:00:00.000000')
    assert.equal(formatPgTimestamp(1n), '2000-01-01 00:00:00.000001')
    assert.equal(formatPgTimestamp(-1n), '1999-12-31 23:59:59.999999')
    assert.equal(formatPgTimestamp(86_400_000_000n + 500_123n), '2000-01-02 00:00:00.500123')
  })
})
