/**
 * One batch's read of every source table in one REPEATABLE READ snapshot, sharing the batch's row budget
 * in SOURCE_READ_ORDER. On a server, an incremental batch reads its tables on two connections at once,
 * the second importing the first's exported snapshot, and keeps each read only when it equals what the
 * read in order would have found; any other table is read again, in order, on the first connection.
 */
import { newAttemptId } from '../core/batch-id.ts'
import { StoreError } from '../core/errors.ts'
import type { IngestionManifest, IngestionTableEntry, TableCursor } from '../core/manifests/ingestion.ts'
import { type SourceTable, sourceTable } from '../core/source-catalogue.ts'
import { SOURCE_READ_ORDER } from '../core/source-references.ts'
import type { SqlSession } from '../io/database.ts'
import { errorFields, type Log, type LogFields } from '../log.ts'
import { assertTableCommittable } from './check-committable.ts'
import type { ExtractDeps, ExtractInput } from './extract-input.ts'
import { setSnapshotSql } from './logical/logical-sql.ts'
import type { ColumnRow } from './observe-columns.ts'
import { INITIAL_CURSOR, toNextCursor } from './plan-cursor.ts'
import { runReadTableWindow, type TableWindowInput, toTableRef } from './read-table-window.ts'
import { COLUMNS_OF_TABLES_SQL, NOW_SQL, SESSION_SQL } from './source-sql.ts'

/** What one snapshot read: every table's entry and next cursor, the tables that failed, and the clock. */
export interface SnapshotRead {
  readonly createdAt: string
  readonly entries: IngestionTableEntry[]
  readonly cursors: Record<SourceTable, TableCursor>
  readonly failedTables: { table: SourceTable; reason: string }[]
  readonly more: boolean
}

type TableOutcome = { entry: IngestionTableEntry; cursor: TableCursor } | { reason: string }

/** A table's read at a row limit, with the log lines it wrote held back until the read is kept. */
interface HeldRead {
  readonly outcome: TableOutcome
  readonly lines: readonly (() => void)[]
}

/**
 * Reads ahead on a second connection only when the last batch was small (at most this share of the
 * budget): then every table's window is almost surely under its limit, and a read at the whole budget is
 * the read in order. A first load or a backlog reads in order, where reads at the whole budget would be
 * cut again.
 */
const READ_AHEAD_SHARE = 0.25

/**
 * Reads every table in one REPEATABLE READ snapshot, in SOURCE_READ_ORDER, sharing the batch's row
 * budget. Once the budget is spent, every later table waits for the next batch (read with limit 0: an
 * empty entry, the cursor unchanged). A table is read only when every table it points at was read to the
 * end of this snapshot: no row arrives before what it points at. A read that fills its limit may have
 * left rows behind (`more`).
 */
export async function runReadSnapshot(
  deps: ExtractDeps,
  input: ExtractInput,
  previous: IngestionManifest | undefined,
  batchId: string,
  budget: number,
): Promise<SnapshotRead> {
  const readAhead =
    input.logicalSnapshot === undefined &&
    deps.source.kind === 'server' &&
    !cannotExport.has(deps.source) &&
    isSmall(previous, budget)
  try {
    return await runReadInSnapshot(deps, input, previous, batchId, budget, readAhead)
  } catch (error) {
    if (!(error instanceof ExportRefused)) throw error
    // Nothing was read yet: read again, in order, in a new snapshot; and do not ask this source again.
    cannotExport.add(deps.source)
    return runReadInSnapshot(deps, input, previous, batchId, budget, false)
  }
}

/** Sources that refused to export a snapshot (a standby before PostgreSQL 10, a restricted server). */
const cannotExport = new WeakSet<ExtractDeps['source']>()

class ExportRefused extends Error {}

async function runReadInSnapshot(
  deps: ExtractDeps,
  input: ExtractInput,
  previous: IngestionManifest | undefined,
  batchId: string,
  budget: number,
  readAhead: boolean,
): Promise<SnapshotRead> {
  const attempt = newAttemptId()
  return deps.source.transaction(
    async (tx) => {
      // Exported first (not from a savepoint, where PostgreSQL refuses), before anything is read.
      const exported = readAhead ? await runExportSnapshot(tx) : undefined
      await tx.exec(SESSION_SQL)
      // The slot's snapshot is imported before any savepoint (PostgreSQL refuses it in one).
      const snapshot = input.logicalSnapshot ? `${setSnapshotSql(input.logicalSnapshot.name)}; ` : ''
      await tx.exec(`${snapshot}${SAVEPOINT_SQL}`)
      const [clock] = await tx.query<{ now: string }>(NOW_SQL)
      const createdAt = clock?.now ?? ''
      const columnRows = await runReadColumnRows(tx)
      const windowOf = (table: SourceTable, rowLimit: number): TableWindowInput => ({
        def: sourceTable(table),
        cursor: previous?.cursors[table] ?? INITIAL_CURSOR,
        lagMs: input.lagMs,
        batchId,
        attempt,
        createdAt,
        rowLimit,
        columnRows: columnRows.get(table) ?? [],
      })
      const ahead =
        exported === undefined
          ? new Map<SourceTable, HeldRead>()
          : await runReadAhead(deps, tx, exported, (table) => windowOf(table, budget))
      const read: SnapshotRead = {
        createdAt,
        entries: [],
        cursors: {} as SnapshotRead['cursors'],
        failedTables: [],
        more: false,
      }
      const readAheadKeys = [...ahead.values()].flatMap((h) =>
        'entry' in h.outcome ? [h.outcome.entry.key] : [],
      )
      let left = budget
      for (const table of SOURCE_READ_ORDER) {
        const rowLimit = Math.max(left, 0)
        const held = ahead.get(table)
        let result: TableOutcome
        if (held && isSameRead(held.outcome, rowLimit, budget)) {
          for (const line of held.lines) line()
          result = held.outcome
        } else {
          result = await runReadTable(tx, deps, windowOf(table, rowLimit))
          await deps.faults?.('after-table')
        }
        if ('reason' in result) {
          read.cursors[table] = previous?.cursors[table] ?? INITIAL_CURSOR
          read.failedTables.push({ table, reason: result.reason })
        } else {
          read.cursors[table] = result.cursor
          read.entries.push(result.entry)
          left -= result.entry.rows
          if (result.entry.rows === rowLimit) Object.assign(read, { more: true })
        }
      }
      // A file read ahead that the batch does not keep (its table read again, to fewer rows or none).
      const kept = new Set(read.entries.map((e) => e.key))
      for (const key of readAheadKeys) if (key !== null && !kept.has(key)) await deps.ingestion.delete(key)
      return read
    },
    { isolation: 'repeatable read', readOnly: true },
  )
}

/** True when the last batch used at most READ_AHEAD_SHARE of the budget (a first read is not small). */
function isSmall(previous: IngestionManifest | undefined, budget: number): boolean {
  if (previous === undefined) return false
  return previous.tables.reduce((sum, t) => sum + t.rows, 0) <= budget * READ_AHEAD_SHARE
}

/**
 * True when a read at the whole budget is the read at `rowLimit`: its window held fewer rows than the
 * budget and no more than the limit (so the limit cut nothing either), or the limit is the whole budget.
 * A failed read is kept only at the whole budget (a row past a smaller limit may be what failed it).
 */
function isSameRead(outcome: TableOutcome, rowLimit: number, budget: number): boolean {
  if (rowLimit === budget) return true
  if ('reason' in outcome) return false
  return outcome.entry.rows < budget && outcome.entry.rows <= rowLimit
}

/**
 * Reads every table at the whole budget on two connections in the same snapshot: this transaction and a
 * second one importing its exported snapshot, each taking the next table (largest first) until none is
 * left. Log lines are held back (returned with each read). When the second connection cannot be had (or
 * cannot import the snapshot), this transaction reads what is left alone.
 */
async function runReadAhead(
  deps: ExtractDeps,
  tx: SqlSession,
  name: string,
  windowOf: (table: SourceTable) => TableWindowInput,
): Promise<Map<SourceTable, HeldRead>> {
  const reads = new Map<SourceTable, HeldRead>()
  // The tables that point at others come last in the read order and are the largest: start with them.
  const queue = [...SOURCE_READ_ORDER].reverse()
  const inFlight = new Set<Promise<void>>()
  const failures: unknown[] = []
  const drain = async (session: SqlSession): Promise<void> => {
    for (let table = queue.shift(); table !== undefined; table = queue.shift()) {
      const one = (async (t: SourceTable) => {
        const lines: (() => void)[] = []
        const outcome = await runReadTable(session, { ...deps, log: holding(deps.log, lines) }, windowOf(t))
        reads.set(t, { outcome, lines })
        await deps.faults?.('after-table')
      })(table).catch((error: unknown) => {
        // The batch fails: no other table is started.
        failures.push(error)
        queue.length = 0
        throw error
      })
      inFlight.add(one)
      try {
        await one
      } finally {
        inFlight.delete(one)
      }
    }
  }
  const second = deps.source.transaction(
    async (other) => {
      if (queue.length === 0) return
      await other.exec(setSnapshotSql(name))
      await other.exec(`${SESSION_SQL}; ${SAVEPOINT_SQL}`)
      await drain(other)
    },
    { isolation: 'repeatable read', readOnly: true },
  )
  // Setting up the second connection may fail (no connection to spare, a server that cannot import):
  // the first reads on alone. A read that failed on either is in `failures`.
  second.catch(() => {})
  await drain(tx).catch(() => {})
  // The queue is empty: wait for the reads still running on the second connection, not for it to start.
  while (inFlight.size > 0) await Promise.allSettled([...inFlight])
  if (failures.length > 0) throw failures[0]
  return reads
}

/** Exports this transaction's snapshot; ExportRefused when the server refuses (the transaction is then lost). */
async function runExportSnapshot(tx: SqlSession): Promise<string> {
  try {
    const [row] = await tx.query<{ name: string }>('SELECT pg_export_snapshot() AS name')
    if (row === undefined) throw new Error('pg_export_snapshot() returned no row')
    return row.name
  } catch (error) {
    throw new ExportRefused('the source cannot export a snapshot', { cause: error })
  }
}

/** A log whose lines are held in `lines`, each written to `log` when called. */
function holding(log: Log, lines: (() => void)[]): Log {
  const hold =
    (level: keyof Log) =>
    (message: string, fields?: LogFields): void => {
      lines.push(() => log[level](message, fields))
    }
  return {
    debug: hold('debug'),
    info: hold('info'),
    warn: hold('warn'),
    error: hold('error'),
    alert: hold('alert'),
  }
}

/**
 * Every source table's columns in one round trip, read in the batch's snapshot (as each table's read
 * would read them); each table's own read still checks them, so a missing table or column fails only it.
 */
async function runReadColumnRows(tx: SqlSession): Promise<Map<SourceTable, ColumnRow[]>> {
  const refs = new Map(SOURCE_READ_ORDER.map((table) => [toTableRef(sourceTable(table)), table]))
  const rows = await tx.query<ColumnRow & { table_ref: string }>(COLUMNS_OF_TABLES_SQL, [[...refs.keys()]])
  const byTable = new Map<SourceTable, ColumnRow[]>()
  for (const { table_ref, ...row } of rows) {
    const table = refs.get(table_ref)
    if (table === undefined) continue
    const columns = byTable.get(table)
    if (columns) columns.push(row)
    else byTable.set(table, [row])
  }
  return byTable
}

/**
 * The savepoint a failed table read rolls back to, set once per transaction after its settings: the read
 * is read-only and each table sets its own window settings, so rolling back to before any table loses
 * nothing another table needs (the snapshot is the transaction's), and ROLLBACK TO keeps the savepoint for
 * the next failure. One per table cost two round trips each.
 */
const SAVEPOINT_SQL = 'SAVEPOINT table_read'
const ROLLBACK_SQL = 'ROLLBACK TO SAVEPOINT table_read'

/**
 * Reads one table's window, on a failure (a dropped column, a value the manifest cannot hold) rolling back
 * to the transaction's savepoint so the others stay readable: returns its entry and next cursor, or the reason.
 * Alerts when rows are stamped in the future or off the time axis (each version is read once).
 */
async function runReadTable(
  tx: SqlSession,
  deps: ExtractDeps,
  window: TableWindowInput,
): Promise<TableOutcome> {
  const { log } = deps
  const { batchId } = window
  const table = window.def.name
  try {
    const result = await runReadTableWindow(tx, deps.ingestion, window)
    const cursor = toNextCursor(window.cursor, result.read)
    assertTableCommittable(
      { batchId, createdAt: window.createdAt, lagMs: window.lagMs },
      result.entry,
      cursor,
      { previous: window.cursor, read: result.read },
    )
    const fields = { stage: 'extract', batchId, table, sourceNow: window.createdAt }
    if (result.future > 0) {
      log.alert('extract read rows stamped in the future; the cursor stays at the source clock', {
        ...fields,
        rows: result.future,
        newest: result.read.maxLastUpdated,
      })
    }
    if (result.offAxis > 0) {
      log.alert('extract read rows stamped off the time axis; the transform holds them in quarantine', {
        ...fields,
        rows: result.offAxis,
      })
    }
    return { entry: result.entry, cursor }
  } catch (error) {
    // A store that cannot be written is not this table's problem: every table would fail alike.
    if (error instanceof StoreError) throw error
    await tx.exec(ROLLBACK_SQL)
    log.alert('extract could not read a table; its cursor stays where it was', {
      stage: 'extract',
      batchId,
      table,
      ...errorFields(error),
    })
    return { reason: error instanceof Error ? error.message : String(error) }
  }
}
