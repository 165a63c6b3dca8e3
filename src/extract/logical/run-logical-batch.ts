/**
 * One batch read from the log: peek whole transactions after the lake's position, write each table's
 * row versions (COPY-compatible CSV, the same files the cursor extract writes) and tombstones, commit the
 * manifest with the end LSN, and only then advance the slot. A crash before the commit leaves the slot
 * where it was (the next run reads the same transactions); a crash after it is repaired by the next run,
 * which skips what the lake holds and advances the slot (plan-logical-start.ts).
 */
import { Readable } from 'node:stream'
import { manifestKey, newAttemptId, toPartitionedKey } from '../../core/batch-id.ts'
import { DataError } from '../../core/errors.ts'
import { commitBatch } from '../../core/manifests/commit-batch.ts'
import {
  type DeletesEntry,
  INGESTION_FORMAT,
  INGESTION_MANIFEST,
  type IngestionManifest,
  type IngestionTableEntry,
  type TableCursor,
} from '../../core/manifests/ingestion.ts'
import { SOURCE_TABLES, type SourceTable, sourceTable } from '../../core/source-catalogue.ts'
import { quoteIdent } from '../../core/sql-ident.ts'
import type { Database, SqlSession } from '../../io/database.ts'
import { gzipWithDigest } from '../../io/gzip-with-digest.ts'
import type { ObjectStore } from '../../io/object-store.ts'
import type { Log } from '../../log.ts'
import { assertManifestCommittable } from '../check-committable.ts'
import { runPlanNextBatch } from '../ingestion-batches.ts'
import { type ColumnRow, toObservedColumn, toSchemaFingerprint } from '../observe-columns.ts'
import { type EdgeKey, INITIAL_CURSOR, toNextCursor } from '../plan-cursor.ts'
import { COLUMNS_SQL, NOW_SQL, SESSION_SQL } from '../source-sql.ts'
import { FLUSH_LSN_SQL, LOG_CURSOR_SQL, PEEK_SQL } from './logical-sql.ts'
import { formatLsn, parseLsn, parsePgoutput } from './parse-pgoutput.ts'
import { type ChangeSet, planChanges, type TableChanges, type Tombstone } from './plan-changes.ts'
import { runAdvanceSlot, toSlotBusy } from './run-slot.ts'
import { toCopyCsvLine } from './to-copy-csv.ts'

export type LogicalFault = 'before-manifest' | 'before-advance'

export interface LogicalBatchDeps {
  readonly source: Database
  readonly ingestion: ObjectStore
  readonly log: Log
  /** Test hook: called at named points, to inject crashes. */
  readonly logicalFaults?: (point: LogicalFault) => void | Promise<void>
}

export interface LogicalBatchInput {
  readonly slot: string
  readonly publication: string
  readonly lagMs: number
  /** The most changes one peek decodes (whole transactions: a large one may exceed it). */
  readonly maxChanges: number
  readonly afterLsn: bigint
}

export interface LogicalBatchResult {
  readonly batchId: string | null
  readonly outcome: 'committed' | 'no-changes' | 'lost-race'
  readonly rows: Readonly<Partial<Record<SourceTable, number>>>
  readonly deletes: number
  /** The slot position the lake now reaches (unchanged when nothing was committed). */
  readonly lsn: bigint
  /** True when the peek stopped at its limit: more transactions are waiting. */
  readonly more: boolean
}

/** Peeks, in a session whose DateStyle makes values the same text COPY writes. */
async function runPeek(source: Database, input: LogicalBatchInput) {
  try {
    return await source.transaction(async (tx) => {
      await tx.exec(SESSION_SQL)
      const [flush] = await tx.query<{ upto: string }>(FLUSH_LSN_SQL)
      const upto = flush?.upto ?? ''
      const rows = await tx.query<{ data: Buffer }>(PEEK_SQL, [
        input.slot,
        input.maxChanges,
        input.publication,
        upto,
      ])
      const [clock] = await tx.query<{ now: string }>(NOW_SQL)
      const messages = rows.map((r) => parsePgoutput(r.data))
      return { messages, peeked: rows.length, now: clock?.now ?? '', upto }
    })
  } catch (error) {
    throw toSlotBusy(error, input.slot)
  }
}

/** Reads, writes and commits one batch of whole transactions from the slot. */
export async function runLogicalBatch(
  deps: LogicalBatchDeps,
  input: LogicalBatchInput,
): Promise<LogicalBatchResult> {
  const { source, ingestion, log } = deps
  const { messages, peeked, now, upto } = await runPeek(source, input)
  let changes = planChanges(messages, input.afterLsn)
  const more = peeked >= input.maxChanges
  if (changes.transactions === 0 || changes.endLsn === null) return runPassIdle(source, input, upto, more)
  const { batchId, previous } = await runPlanNextBatch(ingestion)
  // A second consumer's peek can fall between another's peek and its slot advance, and so decode what
  // the other has just committed: the newest manifest's position, read after the peek, wins over the
  // one read before it.
  const lakeLsn = previous?.logical ? parseLsn(previous.logical.lsn) : null
  if (lakeLsn !== null && lakeLsn > input.afterLsn) {
    changes = planChanges(messages, lakeLsn)
    if (changes.transactions === 0 || changes.endLsn === null)
      return { batchId: null, outcome: 'lost-race', rows: {}, deletes: 0, lsn: lakeLsn, more: false }
  }
  checkNoTruncate(changes)
  const lsn = formatLsn(changes.endLsn)
  const file: FileAt = { batchId, attempt: newAttemptId(), createdAt: now }
  const { tables, cursors, deletes } = await runWriteTables(deps, input, file, changes, previous)
  const manifest: IngestionManifest = {
    format: INGESTION_FORMAT,
    batchId: file.batchId,
    createdAt: now,
    lagMs: input.lagMs,
    tables,
    failedTables: [],
    cursors,
    logical: { slot: input.slot, lsn },
    ...(deletes.length > 0 && { deletes }),
  }
  assertManifestCommittable(manifest)
  await deps.logicalFaults?.('before-manifest')
  const rows = Object.fromEntries(tables.filter((t) => t.rows > 0).map((t) => [t.table, t.rows]))
  const deleted = deletes.reduce((n, d) => n + d.rows, 0)
  if (!(await runCommitManifest(ingestion, manifest, tables, deletes))) {
    log.warn('extract lost the race to commit a batch; another run committed it', {
      stage: 'extract',
      batchId: file.batchId,
    })
    return { batchId: null, outcome: 'lost-race', rows, deletes: deleted, lsn: input.afterLsn, more: false }
  }
  await deps.logicalFaults?.('before-advance')
  // Past the batch, and past the WAL after it that the peek decoded and found nothing in.
  await runAdvanceSlot(source, input.slot, !more && parseLsn(upto) > changes.endLsn ? upto : lsn)
  log.info('extract committed a batch from the log', {
    stage: 'extract',
    batchId: file.batchId,
    rows: tables.reduce((n, t) => n + t.rows, 0),
    deletes: deleted,
    transactions: changes.transactions,
    lsn,
    more,
  })
  return { batchId: file.batchId, outcome: 'committed', rows, deletes: deleted, lsn: changes.endLsn, more }
}

/**
 * Nothing to take: every commit before `upto` was decoded and none was for the publication (or all are
 * in the lake). The slot may pass them, so an idle pipeline on a busy server neither re-decodes nor
 * retains that WAL.
 */
async function runPassIdle(
  source: Database,
  input: LogicalBatchInput,
  upto: string,
  more: boolean,
): Promise<LogicalBatchResult> {
  if (!more) await runAdvanceSlot(source, input.slot, upto)
  return { batchId: null, outcome: 'no-changes', rows: {}, deletes: 0, lsn: input.afterLsn, more: false }
}

function checkNoTruncate(changes: ChangeSet): void {
  if (changes.truncated.length > 0)
    throw new DataError(
      `the source truncated ${changes.truncated.join(', ')}: its deleted rows are not known one by one; run \`cdc drop-slot --yes\` and extract again to resynchronise from a fresh snapshot`,
      { stage: 'extract' },
    )
}

/** Every table's rows file and tombstones, and its next cursor. */
async function runWriteTables(
  deps: LogicalBatchDeps,
  input: LogicalBatchInput,
  file: FileAt,
  changes: ChangeSet,
  previous: IngestionManifest | undefined,
) {
  // The tables at once (the source pool bounds how many queries run together): a log batch is small,
  // and its latency is round trips.
  const written = await Promise.all(
    SOURCE_TABLES.map(async (table) => {
      const gone = changes.deletes.get(table) ?? []
      const prev = previous?.cursors[table] ?? INITIAL_CURSOR
      const at = changes.tables.get(table)
      const { entry, cursor } = await runWriteTable(
        deps.source,
        deps.ingestion,
        file,
        table,
        at,
        gone,
        prev,
        input.lagMs,
      )
      const tombstones = gone.length > 0 ? await runWriteTombstones(deps.ingestion, file, table, gone) : null
      return { table, entry, cursor, tombstones }
    }),
  )
  const tables: IngestionTableEntry[] = written.map((w) => w.entry)
  const cursors = Object.fromEntries(written.map((w) => [w.table, w.cursor])) as Record<
    SourceTable,
    TableCursor
  >
  const deletes: DeletesEntry[] = written.flatMap((w) => (w.tombstones ? [w.tombstones] : []))
  return { tables, cursors, deletes }
}

/** False when another run committed this batch first. */
function runCommitManifest(
  ingestion: ObjectStore,
  manifest: IngestionManifest,
  tables: readonly IngestionTableEntry[],
  deletes: readonly DeletesEntry[],
): Promise<boolean> {
  const keys = [...tables.map((t) => t.key), ...deletes.map((d) => d.key)]
  return commitBatch(ingestion, {
    key: manifestKey(manifest.batchId),
    codec: INGESTION_MANIFEST,
    manifest,
    written: keys,
  })
}

interface FileAt {
  readonly batchId: string
  readonly attempt: string
  readonly createdAt: string
}

async function runPutCsv(store: ObjectStore, key: string, text: string) {
  const { stream, digest } = gzipWithDigest(Readable.from([Buffer.from(text, 'utf8')]))
  await store.putStream(key, stream)
  return { bytes: digest.bytes(), sha256: digest.sha256() }
}

interface CursorRow {
  min_last_updated: string | null
  max_last_updated: string | null
  cutoff: string | null
  edge: EdgeKey[]
  off_axis: EdgeKey[]
}

/** One table's entry (its file, when it has rows) and its cursor moved past the versions written. */
async function runWriteTable(
  source: SqlSession,
  store: ObjectStore,
  file: FileAt,
  table: SourceTable,
  written: TableChanges | undefined,
  gone: readonly Tombstone[],
  prev: TableCursor,
  lagMs: number,
): Promise<{ entry: IngestionTableEntry; cursor: TableCursor }> {
  const columns = (await source.query<ColumnRow>(COLUMNS_SQL, [`public.${quoteIdent(table)}`])).map(
    toObservedColumn,
  )
  const base = { table, columns, schemaFingerprint: toSchemaFingerprint(columns) }
  // A changed or deleted key's off-axis stamp is no longer the row's: the cursor may forget it.
  const touched = new Set(gone.map((t) => t.key))
  if (!written || written.rows.length === 0) {
    const edge = gone.length === 0 ? prev.edge : prev.edge.filter(([id]) => !touched.has(id))
    const none = {
      ...base,
      key: null,
      rows: 0,
      bytes: 0,
      sha256: null,
      minLastUpdated: null,
      maxLastUpdated: null,
    }
    return { entry: none, cursor: { hi: prev.hi, edge } }
  }
  if (written.columns.join(',') !== columns.map((c) => c.name).join(','))
    throw new DataError(
      `the log's columns of ${table} (${written.columns.join(', ')}) differ from the source's now; run the extract again after the change has settled`,
      { stage: 'extract', table, batchId: file.batchId },
    )
  const { stats, cursor } = await runNextCursor(source, file, table, written, touched, prev, lagMs)
  const csv = toCopyCsvLine(written.columns) + written.rows.map(toCopyCsvLine).join('')
  const key = toPartitionedKey(table, file.createdAt, file.batchId, file.attempt, 'csv.gz')
  const { bytes, sha256 } = await runPutCsv(store, key, csv)
  return {
    entry: {
      ...base,
      key,
      rows: written.rows.length,
      bytes,
      sha256,
      minLastUpdated: stats.min_last_updated,
      maxLastUpdated: stats.max_last_updated,
    },
    cursor,
  }
}

/**
 * The cursor past the versions written: the source's clock and lag decide the cutoff, and the keys
 * written (or deleted, in `touched`) drop their old off-axis stamps.
 */
async function runNextCursor(
  source: SqlSession,
  file: FileAt,
  table: SourceTable,
  written: TableChanges,
  touched: Set<number>,
  prev: TableCursor,
  lagMs: number,
): Promise<{ stats: CursorRow; cursor: TableCursor }> {
  const pk = written.columns.indexOf(sourceTable(table).primaryKey)
  const lu = written.columns.indexOf('last_updated')
  const ids = written.rows.map((r) => Number(r[pk]))
  for (const id of ids) touched.add(id)
  const stamps = written.rows.map((r) => r[lu] ?? null)
  const [stats] = await source.query<CursorRow>(LOG_CURSOR_SQL, [ids, stamps, prev.hi, file.createdAt, lagMs])
  if (!stats) throw new Error(`cursor query of ${table} returned nothing`)
  const heldOff = prev.edge.filter(
    ([id, ts]) => !touched.has(id) && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/.test(ts),
  )
  const cursor = toNextCursor(prev, {
    now: file.createdAt,
    maxLastUpdated: stats.max_last_updated,
    cutoff: stats.cutoff,
    edge: stats.edge,
    offAxis: [...heldOff, ...stats.off_axis],
  })
  return { stats, cursor }
}

/** One table's tombstones: `<primary key>,deleted_at` (the delete's commit time, naive UTC). */
async function runWriteTombstones(
  store: ObjectStore,
  file: FileAt,
  table: SourceTable,
  gone: readonly Tombstone[],
): Promise<DeletesEntry> {
  const header = toCopyCsvLine([sourceTable(table).primaryKey, 'deleted_at'])
  const csv = header + gone.map((t) => toCopyCsvLine([String(t.key), t.deletedAt])).join('')
  const key = toPartitionedKey(`_deletes/${table}`, file.createdAt, file.batchId, file.attempt, 'csv.gz')
  return { table, key, rows: gone.length, ...(await runPutCsv(store, key, csv)) }
}
