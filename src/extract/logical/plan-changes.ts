/**
 * Turns decoded pgoutput messages into what one ingestion batch holds: per table, the row versions
 * written (inserts and the new side of updates, as the source's own text) and the tombstones of deleted
 * rows (the key and the commit time). Pure. Only whole transactions count: a transaction is taken at its
 * Commit, so a batch never holds part of one; transactions that end at or before `afterLsn` (already in
 * a committed batch) are skipped, which is how a replay after a crash de-duplicates.
 */

import { DataError } from '../../core/errors.ts'
import { isSourceTable, type SourceTable, sourceTable } from '../../core/source-catalogue.ts'
import { formatPgTimestamp, type PgoutputMessage, type TupleValue } from './parse-pgoutput.ts'

export interface TableChanges {
  /** The columns as the log sent them (attnum order, as `SELECT *` has them). */
  readonly columns: readonly string[]
  /** Row versions in commit order; one per `(primary key, last_updated)`, the last written. */
  readonly rows: readonly (readonly (string | null)[])[]
}

/** A deleted source row: its primary key and when the delete committed (naive UTC). */
export interface Tombstone {
  readonly key: number
  readonly deletedAt: string
}

export interface ChangeSet {
  /** Whole transactions taken (after `afterLsn`). */
  readonly transactions: number
  /** The end LSN of the last transaction taken, or null when none was. */
  readonly endLsn: bigint | null
  /** Commit time of the last transaction taken (naive UTC). */
  readonly lastCommitAt: string | null
  readonly tables: ReadonlyMap<SourceTable, TableChanges>
  readonly deletes: ReadonlyMap<SourceTable, readonly Tombstone[]>
  /** Tables truncated in a transaction taken: their rows' deletes are not known one by one. */
  readonly truncated: readonly SourceTable[]
}

interface Relation {
  readonly table: SourceTable | null
  readonly columns: readonly string[]
}

interface Pending {
  rows: Map<SourceTable, { columns: readonly string[]; rows: Map<string, (string | null)[]> }>
  deletes: Map<SourceTable, Tombstone[]>
  truncated: Set<SourceTable>
}

const CURSOR = 'last_updated'

function textValues(values: readonly TupleValue[], table: SourceTable): (string | null)[] {
  return values.map((v) => {
    if (v !== null && typeof v === 'object')
      throw new DataError(
        `a change of ${table} left a large (TOASTed) value out of the log; set REPLICA IDENTITY FULL on ${table} (docs/OPERATIONS.md, "Logical CDC")`,
        { stage: 'extract', table },
      )
    return v
  })
}

/** The decoder's state while it walks the messages of one batch. */
interface Decoding {
  readonly afterLsn: bigint
  readonly relations: Map<number, Relation>
  /** What the whole transactions taken so far hold. */
  readonly taken: Pending
  /** The transaction being read (between its Begin and its Commit), or null outside one. */
  open: Pending | null
  transactions: number
  endLsn: bigint | null
  lastCommitAt: string | null
}

type MessageOf<K extends PgoutputMessage['kind']> = Extract<PgoutputMessage, { kind: K }>

function emptyPending(): Pending {
  return { rows: new Map(), deletes: new Map(), truncated: new Set() }
}

/**
 * The changes of the whole transactions among `messages` that end after `afterLsn`, at most
 * `maxTransactions` of them (messages of a transaction beyond that are left for the next batch).
 */
export function planChanges(
  messages: Iterable<PgoutputMessage>,
  afterLsn: bigint,
  maxTransactions = Number.POSITIVE_INFINITY,
): ChangeSet {
  const d: Decoding = {
    afterLsn,
    relations: new Map(),
    taken: emptyPending(),
    open: null,
    transactions: 0,
    endLsn: null,
    lastCommitAt: null,
  }
  for (const m of messages) {
    if (d.transactions >= maxTransactions) break
    applyMessage(d, m)
  }
  return toChangeSet(d)
}

function applyMessage(d: Decoding, m: PgoutputMessage): void {
  switch (m.kind) {
    case 'relation':
      d.relations.set(m.oid, {
        table: m.namespace === 'public' && isSourceTable(m.name) ? m.name : null,
        columns: m.columns.map((c) => c.name),
      })
      break
    case 'begin':
      d.open = emptyPending()
      break
    case 'insert':
      if (d.open) writeRow(d, d.open, m.oid, m.tuple)
      break
    case 'update':
      if (d.open) writeRow(d, d.open, m.oid, m.tuple)
      break
    case 'delete':
      if (d.open) recordDelete(d, d.open, m)
      break
    case 'truncate':
      if (d.open) recordTruncate(d, d.open, m)
      break
    case 'commit':
      commitOpen(d, m)
      break
    case 'other':
      break
  }
}

function relationOf(d: Decoding, oid: number): Relation {
  const rel = d.relations.get(oid)
  if (!rel) throw new DataError(`pgoutput change of relation ${oid} came before its Relation message`)
  return rel
}

function keyIndex(rel: Relation, table: SourceTable): number {
  const pk = sourceTable(table).primaryKey
  const i = rel.columns.indexOf(pk)
  if (i < 0) throw new DataError(`the log's columns of ${table} lack its key ${pk}`, { table })
  return i
}

/** An insert or the new side of an update: one row version, keyed by (primary key, cursor). */
function writeRow(d: Decoding, p: Pending, oid: number, tuple: readonly TupleValue[]): void {
  const rel = relationOf(d, oid)
  if (rel.table === null) return
  const values = textValues(tuple, rel.table)
  let entry = p.rows.get(rel.table) ?? d.taken.rows.get(rel.table)
  if (entry && entry.columns.join(',') !== rel.columns.join(','))
    throw new DataError(
      `the columns of ${rel.table} changed within one batch of the log; run the extract again (the next batch starts at the change)`,
      { table: rel.table },
    )
  entry = p.rows.get(rel.table) ?? { columns: rel.columns, rows: new Map() }
  p.rows.set(rel.table, entry)
  const lu = rel.columns.indexOf(CURSOR)
  const id = `${values[keyIndex(rel, rel.table)]}|${lu < 0 ? '' : values[lu]}`
  entry.rows.delete(id) // the last write of a version wins, in its own place in commit order
  entry.rows.set(id, values)
}

/** A tombstone waiting for its transaction's commit time (set when the transaction is merged). */
function recordDelete(d: Decoding, p: Pending, m: MessageOf<'delete'>): void {
  const rel = relationOf(d, m.oid)
  if (rel.table === null) return
  // With REPLICA IDENTITY DEFAULT the old tuple holds the key only (other columns null).
  const key = m.old[keyIndex(rel, rel.table)]
  if (typeof key !== 'string' || !/^-?\d+$/.test(key))
    throw new DataError(`a delete of ${rel.table} came without its key`, { table: rel.table })
  const list = p.deletes.get(rel.table) ?? []
  list.push({ key: Number(key), deletedAt: '' })
  p.deletes.set(rel.table, list)
}

function recordTruncate(d: Decoding, p: Pending, m: MessageOf<'truncate'>): void {
  for (const oid of m.oids) {
    const t = d.relations.get(oid)?.table
    if (t) p.truncated.add(t)
  }
}

/** Takes the open transaction unless it ends at or before `afterLsn` (already in a committed batch). */
function commitOpen(d: Decoding, m: MessageOf<'commit'>): void {
  const txn = d.open
  d.open = null
  if (!txn || m.endLsn <= d.afterLsn) return
  const at = formatPgTimestamp(m.commitTimeUs)
  merge(d.taken, txn, at)
  d.transactions++
  d.endLsn = m.endLsn
  d.lastCommitAt = at
}

function toChangeSet(d: Decoding): ChangeSet {
  return {
    transactions: d.transactions,
    endLsn: d.endLsn,
    lastCommitAt: d.lastCommitAt,
    tables: new Map(
      [...d.taken.rows].map(([t, e]) => [t, { columns: e.columns, rows: [...e.rows.values()] }] as const),
    ),
    deletes: d.taken.deletes,
    truncated: [...d.taken.truncated],
  }
}

function merge(into: Pending, txn: Pending, commitAt: string): void {
  for (const [table, entry] of txn.rows) {
    const target = into.rows.get(table)
    if (!target) into.rows.set(table, entry)
    else
      for (const [id, values] of entry.rows) {
        target.rows.delete(id)
        target.rows.set(id, values)
      }
  }
  for (const [table, list] of txn.deletes) {
    const target = into.deletes.get(table) ?? []
    for (const t of list) target.push({ key: t.key, deletedAt: commitAt })
    into.deletes.set(table, target)
  }
  for (const t of txn.truncated) into.truncated.add(t)
}
