/**
 * The extract stage: every row version changed since the last committed batch, all 11 tables read in
 * one REPEATABLE READ snapshot, streamed to the ingestion store; the manifest, created only if absent,
 * commits the batch. See docs/ARCHITECTURE.md for why this never loses or repeats a change.
 */
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { manifestKey, newAttemptId } from '../core/batch-id.ts'
import { StoreError } from '../core/errors.ts'
import { commitBatch } from '../core/manifests/commit-batch.ts'
import {
  INGESTION_FORMAT,
  INGESTION_MANIFEST,
  type IngestionManifest,
  type IngestionTableEntry,
  type TableCursor,
} from '../core/manifests/ingestion.ts'
import { type SourceTable, sourceTable } from '../core/source-catalogue.ts'
import { SOURCE_READ_ORDER } from '../core/source-references.ts'
import type { Database, SqlSession } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { errorFields, type Log } from '../log.ts'
import { assertManifestCommittable, assertTableCommittable } from './check-committable.ts'
import { runListIngestionBatches, runPlanNextBatch } from './ingestion-batches.ts'
import { setSnapshotSql } from './logical/logical-sql.ts'
import { INITIAL_CURSOR, toNextCursor } from './plan-cursor.ts'
import { type ChangeSignal, type IdleMark, planIdleSkip } from './plan-idle-skip.ts'
import type { ColumnRow } from './observe-columns.ts'
import { runReadTableWindow, type TableWindowInput, toTableRef } from './read-table-window.ts'
import { CHANGE_SIGNAL_SQL, COLUMNS_OF_TABLES_SQL, NOW_SQL, SESSION_SQL } from './source-sql.ts'

export interface ExtractDeps {
  readonly source: Database
  readonly ingestion: ObjectStore
  readonly log: Log
  /** Test hook: called at named points between writes, to inject crashes. */
  readonly faults?: (point: 'after-table' | 'before-manifest') => void | Promise<void>
}

export interface ExtractInput {
  /** How far back each read reaches for rows committed late with an older `last_updated`. */
  readonly lagMs: number
  /**
   * The most rows one batch holds (default DEFAULT_BATCH_ROWS). A larger backlog (a first load) is cut
   * into several batches, oldest changes first, so every stage works on a bounded batch; `more` says so.
   */
  readonly maxBatchRows?: number
  /** Start no new batch after this time (Date.now() milliseconds): a Lambda's time budget. */
  readonly untilMs?: number
  /**
   * Read every table even when the source proves nothing was committed since the last complete read
   * (plan-idle-skip.ts). Default false: an idle poll then costs the source no table scan.
   */
  readonly alwaysRead?: boolean
  /**
   * Logical mode's consistent start (src/extract/logical/): read in the snapshot a new replication slot
   * exported, and record the slot's consistent point in each manifest, committed even when empty so the
   * lake says where the log takes over. Implies alwaysRead.
   */
  readonly logicalSnapshot?: { readonly name: string; readonly slot: string; readonly lsn: string }
}

/**
 * Rows per batch unless EXTRACT_BATCH_ROWS says otherwise. At scale 100 (3M rows, docs/BENCHMARKS.md):
 * 100k → 31 batches, transform 340 MB, first load ~62 s; 250k → 13 batches, 380 MB, ~45 s; one batch
 * → ~490 MB, ~31 s, and a transaction, a file and a DuckDB working set as large as the backlog.
 */
export const DEFAULT_BATCH_ROWS = 250_000

export interface ExtractResult {
  /** The last batch this run committed, or null. */
  readonly batchId: string | null
  /** Every batch this run committed, in order (more than one when a backlog exceeded maxBatchRows). */
  readonly batches: readonly string[]
  readonly outcome: 'committed' | 'no-changes' | 'lost-race'
  readonly rows: Readonly<Partial<Record<SourceTable, number>>>
  readonly failedTables: IngestionManifest['failedTables']
  /** True when the batch was cut at its row limit: more changes are waiting, run again. */
  readonly more: boolean
  /** True when no table was read: the source proved nothing was committed since the last complete read. */
  readonly skipped?: boolean
  /** Logical mode: the WAL the replication slot retained on the source when the run began (bytes). */
  readonly retainedWalBytes?: number
  readonly ms: number
}

/**
 * The last complete read per source connection: a `watch` loop or a warm Lambda keeps its connection,
 * so its next poll can prove the source idle. A new process reads everything once.
 */
const idleMarks = new WeakMap<Database, IdleMark>()

async function runReadChangeSignal(source: Database): Promise<ChangeSignal> {
  const [row] = await source.query<{
    snapshot: string
    server_started_at: string
    in_recovery: boolean
    at_ms: number
  }>(CHANGE_SIGNAL_SQL)
  if (!row) throw new Error('the source returned no change signal')
  return {
    snapshot: row.snapshot,
    serverStartedAt: row.server_started_at,
    inRecovery: row.in_recovery,
    atMs: Number(row.at_ms),
  }
}

/** What a read is made at: the last batch (`<id>:<manifest sha256>`, its cursors) and the lag. */
async function runReadAt(ingestion: ObjectStore, input: ExtractInput): Promise<string> {
  const lastId = (await runListIngestionBatches(ingestion)).at(-1)
  const bytes = lastId === undefined ? undefined : await ingestion.get(manifestKey(lastId))
  const digest = bytes === undefined ? 'none' : createHash('sha256').update(bytes).digest('hex')
  return `${lastId ?? 'none'}:${digest} lag ${input.lagMs}`
}

/**
 * Runs extracts until the source is caught up: one batch when the changes fit in maxBatchRows, else
 * one batch after another (each its own snapshot and commit, so a crash keeps what was committed),
 * until none is cut short, a run loses the race to commit, or `untilMs` (a Date.now() deadline) passes.
 * The result sums the rows; `batchId` is the last batch committed, `batches` all of them.
 */
export async function runExtract(deps: ExtractDeps, input: ExtractInput): Promise<ExtractResult> {
  const started = performance.now()
  const signal =
    input.alwaysRead || input.logicalSnapshot ? undefined : await runReadChangeSignal(deps.source)
  const readAt = signal ? await runReadAt(deps.ingestion, input) : undefined
  if (signal && readAt !== undefined) {
    const decision = planIdleSkip(idleMarks.get(deps.source), signal, readAt)
    if (decision.skip) {
      const ms = Math.round(performance.now() - started)
      deps.log.debug('extract skipped: nothing committed on the source since the last read', {
        stage: 'extract',
        ms,
      })
      return { ...NOTHING, skipped: true, ms }
    }
  }
  idleMarks.delete(deps.source)
  const batches: string[] = []
  const rows: Partial<Record<SourceTable, number>> = {}
  const failed = new Map<SourceTable, string>()
  let last: ExtractResult
  do {
    last = await runExtractBatch(deps, input)
    if (last.batchId !== null) batches.push(last.batchId)
    for (const [table, n] of Object.entries(last.rows) as [SourceTable, number][])
      rows[table] = (rows[table] ?? 0) + n
    for (const f of last.failedTables) failed.set(f.table, f.reason)
  } while (
    last.outcome === 'committed' &&
    last.more &&
    (input.untilMs === undefined || Date.now() < input.untilMs)
  )
  // Every table read to the end of a snapshot taken after the signal, and its cursors committed (or
  // unchanged): until a transaction finishes on the source, a read at these cursors finds nothing.
  const complete = last.outcome !== 'lost-race' && !last.more && failed.size === 0
  if (signal && complete) {
    // Nothing committed by this run: the cursors read at are the ones found before it (not listed again).
    const after =
      batches.length === 0 && readAt !== undefined ? readAt : await runReadAt(deps.ingestion, input)
    idleMarks.set(deps.source, { signal, readAt: after })
  }
  return {
    batchId: batches.at(-1) ?? null,
    batches,
    outcome: batches.length > 0 ? 'committed' : last.outcome,
    rows,
    failedTables: [...failed].map(([table, reason]) => ({ table, reason })),
    more: last.more,
    ms: Math.round(performance.now() - started),
  }
}

const NOTHING = {
  batchId: null,
  batches: [],
  outcome: 'no-changes',
  rows: {},
  failedTables: [],
  more: false,
} as const satisfies Omit<ExtractResult, 'ms'>

/** What one snapshot read: every table's entry and next cursor, the tables that failed, and the clock. */
interface SnapshotRead {
  readonly createdAt: string
  readonly entries: IngestionTableEntry[]
  readonly cursors: Record<SourceTable, TableCursor>
  readonly failedTables: { table: SourceTable; reason: string }[]
  readonly more: boolean
}

/** Extracts one batch of at most maxBatchRows rows. */
async function runExtractBatch(deps: ExtractDeps, input: ExtractInput): Promise<ExtractResult> {
  const started = performance.now()
  const { ingestion, log } = deps
  const { batchId, previous } = await runPlanNextBatch(ingestion)
  const read = await runReadSnapshot(deps, input, previous, batchId)
  const { entries, failedTables, more } = read

  const rows = Object.fromEntries(entries.map((e) => [e.table, e.rows])) as Partial<
    Record<SourceTable, number>
  >
  const ms = () => Math.round(performance.now() - started)
  if (entries.every((e) => e.rows === 0) && input.logicalSnapshot === undefined) {
    log.info('extract found no changes', { stage: 'extract', ms: ms(), failedTables: failedTables.length })
    return { batchId: null, batches: [], outcome: 'no-changes', rows, failedTables, more: false, ms: ms() }
  }

  const manifest = toSnapshotManifest(input, batchId, read)
  assertManifestCommittable(manifest)
  await deps.faults?.('before-manifest')
  if (
    !(await commitBatch(ingestion, {
      key: manifestKey(batchId),
      codec: INGESTION_MANIFEST,
      manifest,
      written: entries.map((e) => e.key),
    }))
  ) {
    // Another extract committed this batch number first; our files were never visible and are gone.
    log.warn('extract lost the race to commit a batch; another run committed it', {
      stage: 'extract',
      batchId,
    })
    return { batchId: null, batches: [], outcome: 'lost-race', rows, failedTables, more: false, ms: ms() }
  }
  log.info('extract committed a batch', {
    stage: 'extract',
    batchId,
    rows: entries.reduce((sum, e) => sum + e.rows, 0),
    tables: rows,
    more,
    ms: ms(),
  })
  return { batchId, batches: [batchId], outcome: 'committed', rows, failedTables, more, ms: ms() }
}

/** The batch's manifest; a read of a slot's snapshot also records the slot, its LSN and whether it is whole. */
function toSnapshotManifest(input: ExtractInput, batchId: string, read: SnapshotRead): IngestionManifest {
  return {
    format: INGESTION_FORMAT,
    batchId,
    createdAt: read.createdAt,
    lagMs: input.lagMs,
    tables: read.entries,
    failedTables: read.failedTables,
    cursors: read.cursors,
    ...(input.logicalSnapshot && {
      logical: {
        slot: input.logicalSnapshot.slot,
        lsn: input.logicalSnapshot.lsn,
        snapshot: read.more ? 'partial' : 'complete',
      },
    }),
  }
}

/**
 * Reads every table in one REPEATABLE READ snapshot, in SOURCE_READ_ORDER, sharing the batch's row
 * budget. Once the budget is spent, every later table waits for the next batch (read with limit 0: an
 * empty entry, the cursor unchanged). A table is read only when every table it points at was read to the
 * end of this snapshot: no row arrives before what it points at. A read that fills its limit may have
 * left rows behind (`more`).
 */
async function runReadSnapshot(
  deps: ExtractDeps,
  input: ExtractInput,
  previous: IngestionManifest | undefined,
  batchId: string,
): Promise<SnapshotRead> {
  const attempt = newAttemptId()
  return deps.source.transaction(
    async (tx) => {
      await tx.exec(SESSION_SQL)
      if (input.logicalSnapshot) await tx.exec(setSnapshotSql(input.logicalSnapshot.name))
      const [clock] = await tx.query<{ now: string }>(NOW_SQL)
      const createdAt = clock?.now ?? ''
      const columnRows = await runReadColumnRows(tx)
      const read: SnapshotRead = {
        createdAt,
        entries: [],
        cursors: {} as SnapshotRead['cursors'],
        failedTables: [],
        more: false,
      }
      let budget = input.maxBatchRows ?? DEFAULT_BATCH_ROWS
      for (const table of SOURCE_READ_ORDER) {
        const cursor = previous?.cursors[table] ?? INITIAL_CURSOR
        const rowLimit = Math.max(budget, 0)
        const window = {
          def: sourceTable(table),
          cursor,
          lagMs: input.lagMs,
          batchId,
          attempt,
          createdAt,
          rowLimit,
          columnRows: columnRows.get(table) ?? [],
        }
        const result = await runReadTable(tx, deps, window)
        if ('reason' in result) {
          read.cursors[table] = cursor
          read.failedTables.push({ table, reason: result.reason })
        } else {
          read.cursors[table] = result.cursor
          read.entries.push(result.entry)
          budget -= result.entry.rows
          if (result.entry.rows === rowLimit) Object.assign(read, { more: true })
        }
        await deps.faults?.('after-table')
      }
      return read
    },
    { isolation: 'repeatable read', readOnly: true },
  )
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
    byTable.set(table, [...(byTable.get(table) ?? []), row])
  }
  return byTable
}

/**
 * Reads one table's window under a savepoint, so one table's failure (a dropped column, a value the
 * manifest cannot hold) leaves the others readable: returns its entry and next cursor, or the reason.
 * Alerts when rows are stamped in the future or off the time axis (each version is read once).
 */
async function runReadTable(
  tx: SqlSession,
  deps: ExtractDeps,
  window: TableWindowInput,
): Promise<{ entry: IngestionTableEntry; cursor: TableCursor } | { reason: string }> {
  const { log } = deps
  const { batchId } = window
  const table = window.def.name
  await tx.exec('SAVEPOINT table_read')
  try {
    const result = await runReadTableWindow(tx, deps.ingestion, window)
    const cursor = toNextCursor(window.cursor, result.read)
    assertTableCommittable(
      { batchId, createdAt: window.createdAt, lagMs: window.lagMs },
      result.entry,
      cursor,
    )
    await tx.exec('RELEASE SAVEPOINT table_read')
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
    await tx.exec('ROLLBACK TO SAVEPOINT table_read')
    log.alert('extract could not read a table; its cursor stays where it was', {
      stage: 'extract',
      batchId,
      table,
      ...errorFields(error),
    })
    return { reason: error instanceof Error ? error.message : String(error) }
  }
}
