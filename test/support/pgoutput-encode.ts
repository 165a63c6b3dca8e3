/** Encodes pgoutput messages (protocol 1) as the server sends them: the tests' crafted buffers. */
import type { PgoutputMessage, TupleValue } from '../../src/extract/logical/parse-pgoutput.ts'

const u8 = (n: number) => Buffer.from([n])
const i16 = (n: number) => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
const i32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(n)
  return b
}
const i64 = (n: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(n)
  return b
}
const str = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), u8(0)])
const tag = (t: string) => Buffer.from(t, 'latin1')

function tuple(values: readonly TupleValue[]): Buffer {
  return Buffer.concat([
    i16(values.length),
    ...values.map((v) => {
      if (v === null) return tag('n')
      if (typeof v === 'object') return tag('u')
      const bytes = Buffer.from(v, 'utf8')
      return Buffer.concat([tag('t'), i32(bytes.length), bytes])
    }),
  ])
}

/** The bytes of one message. */
export function encodePgoutput(m: PgoutputMessage): Buffer {
  switch (m.kind) {
    case 'begin':
      return Buffer.concat([tag('B'), u64(m.finalLsn), i64(m.commitTimeUs), u32(m.xid)])
    case 'commit':
      return Buffer.concat([tag('C'), u8(0), u64(m.commitLsn), u64(m.endLsn), i64(m.commitTimeUs)])
    case 'relation':
      return Buffer.concat([
        tag('R'),
        u32(m.oid),
        str(m.namespace),
        str(m.name),
        tag(m.replicaIdentity),
        i16(m.columns.length),
        ...m.columns.map((c) =>
          Buffer.concat([u8(c.key ? 1 : 0), str(c.name), u32(c.typeOid), i32(c.typmod)]),
        ),
      ])
    case 'insert':
      return Buffer.concat([tag('I'), u32(m.oid), tag('N'), tuple(m.tuple)])
    case 'update':
      return Buffer.concat([
        tag('U'),
        u32(m.oid),
        ...(m.old === null ? [] : [tag('O'), tuple(m.old)]),
        tag('N'),
        tuple(m.tuple),
      ])
    case 'delete':
      return Buffer.concat([tag('D'), u32(m.oid), tag('K'), tuple(m.old)])
    case 'truncate':
      return Buffer.concat([tag('T'), i32(m.oids.length), u8(0), ...m.oids.map(u32)])
    case 'other':
      return Buffer.concat([tag('O'), u64(1n), str('origin')])
  }
}
