/**
 * Parses one pgoutput message (protocol version 1, text values), as
 * `pg_logical_slot_peek_binary_changes(…, 'proto_version', '1', 'publication_names', …)` returns them in
 * its `data` column. Pure: bytes in, a typed message out; anything malformed throws a DataError, since a
 * message we cannot read must stop the batch, never be skipped (PostgreSQL docs, "Logical Replication
 * Message Formats").
 */
import { DataError } from '../../core/errors.ts'

/** A column value as pgoutput sends it in text mode: the type's output text, null, or an unchanged TOAST value. */
export type TupleValue = string | null | { readonly unchanged: true }

export interface RelationColumn {
  readonly name: string
  readonly key: boolean
  readonly typeOid: number
  readonly typmod: number
}

export type PgoutputMessage =
  | { readonly kind: 'begin'; readonly finalLsn: bigint; readonly commitTimeUs: bigint; readonly xid: number }
  | {
      readonly kind: 'commit'
      readonly commitLsn: bigint
      readonly endLsn: bigint
      readonly commitTimeUs: bigint
    }
  | {
      readonly kind: 'relation'
      readonly oid: number
      readonly namespace: string
      readonly name: string
      readonly replicaIdentity: string
      readonly columns: readonly RelationColumn[]
    }
  | { readonly kind: 'insert'; readonly oid: number; readonly tuple: readonly TupleValue[] }
  | {
      readonly kind: 'update'
      readonly oid: number
      /** The key ('K') or whole old row ('O', REPLICA IDENTITY FULL) when sent, else null. */
      readonly old: readonly TupleValue[] | null
      readonly tuple: readonly TupleValue[]
    }
  | { readonly kind: 'delete'; readonly oid: number; readonly old: readonly TupleValue[] }
  | { readonly kind: 'truncate'; readonly oids: readonly number[] }
  /** Origin and Type messages: nothing the extract needs. */
  | { readonly kind: 'other'; readonly tag: string }

/** A bounds-checked reader over one message. */
class Reader {
  private at = 0
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.at + n > this.buf.length)
      throw new DataError(`pgoutput message ends early (needs ${n} bytes at offset ${this.at})`)
  }
  byte(): string {
    this.need(1)
    return String.fromCharCode(this.buf[this.at++] as number)
  }
  int8(): number {
    this.need(1)
    return this.buf.readInt8(this.at++)
  }
  int16(): number {
    this.need(2)
    const v = this.buf.readInt16BE(this.at)
    this.at += 2
    return v
  }
  int32(): number {
    this.need(4)
    const v = this.buf.readInt32BE(this.at)
    this.at += 4
    return v
  }
  uint32(): number {
    this.need(4)
    const v = this.buf.readUInt32BE(this.at)
    this.at += 4
    return v
  }
  uint64(): bigint {
    this.need(8)
    const v = this.buf.readBigUInt64BE(this.at)
    this.at += 8
    return v
  }
  int64(): bigint {
    this.need(8)
    const v = this.buf.readBigInt64BE(this.at)
    this.at += 8
    return v
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.at)
    if (end < 0) throw new DataError(`pgoutput message has an unterminated string at offset ${this.at}`)
    const s = this.buf.toString('utf8', this.at, end)
    this.at = end + 1
    return s
  }
  bytes(n: number): string {
    if (n < 0) throw new DataError(`pgoutput message has a negative length ${n}`)
    this.need(n)
    const s = this.buf.toString('utf8', this.at, this.at + n)
    this.at += n
    return s
  }
  done(): void {
    if (this.at !== this.buf.length)
      throw new DataError(`pgoutput message has ${this.buf.length - this.at} bytes past its end`)
  }
}

function tupleData(r: Reader): TupleValue[] {
  const n = r.int16()
  const values: TupleValue[] = []
  for (let i = 0; i < n; i++) {
    const kind = r.byte()
    if (kind === 'n') values.push(null)
    else if (kind === 'u') values.push({ unchanged: true })
    else if (kind === 't') values.push(r.bytes(r.int32()))
    else throw new DataError(`pgoutput tuple has a value of unknown kind '${kind}' (binary mode is not used)`)
  }
  return values
}

/** Parses one message; throws a DataError for a message it cannot read. */
export function parsePgoutput(buf: Buffer): PgoutputMessage {
  const r = new Reader(buf)
  const tag = r.byte()
  const message = parseBody(tag, r)
  r.done()
  return message
}

function parseBody(tag: string, r: Reader): PgoutputMessage {
  switch (tag) {
    case 'B':
      return { kind: 'begin', finalLsn: r.uint64(), commitTimeUs: r.int64(), xid: r.uint32() }
    case 'C': {
      r.int8() // flags, unused
      return { kind: 'commit', commitLsn: r.uint64(), endLsn: r.uint64(), commitTimeUs: r.int64() }
    }
    case 'R':
      return parseRelation(r)
    case 'I': {
      const oid = r.uint32()
      expect(r.byte(), 'N', 'insert')
      return { kind: 'insert', oid, tuple: tupleData(r) }
    }
    case 'U':
      return parseUpdate(r)
    case 'D': {
      const oid = r.uint32()
      const marker = r.byte()
      if (marker !== 'K' && marker !== 'O')
        throw new DataError(`pgoutput delete has marker '${marker}', expected 'K' or 'O'`)
      return { kind: 'delete', oid, old: tupleData(r) }
    }
    case 'T':
      return parseTruncate(r)
    case 'O':
      r.uint64()
      r.cstring()
      return { kind: 'other', tag }
    case 'Y':
      r.uint32()
      r.cstring()
      r.cstring()
      return { kind: 'other', tag }
    default:
      throw new DataError(`pgoutput message of unknown type '${tag}'`)
  }
}

/** A Relation message: the table's oid, name and columns (sent before its first change in a session). */
function parseRelation(r: Reader): PgoutputMessage {
  const oid = r.uint32()
  const namespace = r.cstring()
  const name = r.cstring()
  const replicaIdentity = r.byte()
  const n = r.int16()
  const columns: RelationColumn[] = []
  for (let i = 0; i < n; i++) {
    const flags = r.int8()
    columns.push({ name: r.cstring(), key: (flags & 1) === 1, typeOid: r.uint32(), typmod: r.int32() })
  }
  return { kind: 'relation', oid, namespace, name, replicaIdentity, columns }
}

/** An Update: the old key ('K') or old row ('O') when the replica identity sends it, then the new row. */
function parseUpdate(r: Reader): PgoutputMessage {
  const oid = r.uint32()
  let marker = r.byte()
  let old: TupleValue[] | null = null
  if (marker === 'K' || marker === 'O') {
    old = tupleData(r)
    marker = r.byte()
  }
  expect(marker, 'N', 'update')
  return { kind: 'update', oid, old, tuple: tupleData(r) }
}

function parseTruncate(r: Reader): PgoutputMessage {
  const n = r.int32()
  r.int8() // options (CASCADE, RESTART IDENTITY)
  const oids: number[] = []
  for (let i = 0; i < n; i++) oids.push(r.uint32())
  return { kind: 'truncate', oids }
}

function expect(got: string, want: string, what: string): void {
  if (got !== want) throw new DataError(`pgoutput ${what} has marker '${got}', expected '${want}'`)
}

/** An LSN as PostgreSQL prints it (`16/B374D848`). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`
}

/** Parses PostgreSQL's text of an LSN; throws for anything else. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text)
  if (!m) throw new DataError(`not an LSN: '${text}'`)
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`)
}

const PG_EPOCH_MS = 946_684_800_000n

/** A pgoutput timestamp (µs since 2000-01-01 UTC) as a naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function formatPgTimestamp(us: bigint): string {
  const ms = us / 1000n + PG_EPOCH_MS - (us % 1000n < 0n ? 1n : 0n)
  const micros = ((us % 1_000_000n) + 1_000_000n) % 1_000_000n
  const iso = new Date(Number(ms)).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros.toString().padStart(6, '0')}`
}
