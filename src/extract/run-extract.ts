/**
 * The extract stage: every row version changed since the last committed batch, all 11 tables read in
 * one REPEATABLE READ snapshot, streamed to the ingestion store; the manifest, created only if absent,
 * commits the batch. See docs/ARCHITECTURE.md for why this never loses or repeats a change.
 */
import { performance } from 'node:perf_hooks'
import { manifestKey, newAttemptId, parseBatchId, toBatchId } from '../core/batch-id.ts'
import { type SourceTable, sourceTable } from '../core/catalogue.ts'
import { commitBatch } from '../core/manifests/commit-batch.ts'
import {
  INGESTION_FORMAT,
  INGESTION_MANIFEST,
  type IngestionManifest,
  type IngestionTableEntry,
  type TableCursor,
} from '../core/manifests/ingestion.ts'
import { SOURCE_READ_ORDER } from '../core/source-references.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { errorFields, type Log } from '../log.ts'
import { runListIngestionBatches, runReadIngestionManifest } from './ingestion-batches.ts'
import { INITIAL_CURSOR, toNextCursor } from './plan-cursor.ts'
import { runReadTableWindow } from './read-table-window.ts'
import { NOW_SQL, SESSION_SQL } from './source-sql.ts'

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
  readonly ms: number
}

/**
 * Runs extracts until the source is caught up: one batch when the changes fit in maxBatchRows, else
 * one batch after another (each its own snapshot and commit, so a crash keeps what was committed),
 * until none is cut short, a run loses the race to commit, or `untilMs` (a Date.now() deadline) passes.
 * The result sums the rows; `batchId` is the last batch committed, `batches` all of them.
 */
export async function runExtract(deps: ExtractDeps, input: ExtractInput): Promise<ExtractResult> {
  const started = performance.now()
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

/** Extracts one batch of at most maxBatchRows rows. */
async function runExtractBatch(deps: ExtractDeps, input: ExtractInput): Promise<ExtractResult> {
  const started = performance.now()
  const { source, ingestion, log } = deps
  const committed = await runListIngestionBatches(ingestion)
  const lastId = committed.at(-1)
  const previous = lastId === undefined ? undefined : await runReadIngestionManifest(ingestion, lastId)
  const batchId = toBatchId((lastId === undefined ? 0 : (parseBatchId(lastId) ?? 0)) + 1)
  const attempt = newAttemptId()

  const { createdAt, entries, cursors, failedTables, more } = await source.transaction(
    async (tx) => {
      await tx.exec(SESSION_SQL)
      const [clock] = await tx.query<{ now: string }>(NOW_SQL)
      const createdAt = clock?.now ?? ''
      const entries: IngestionTableEntry[] = []
      const cursors = {} as Record<SourceTable, TableCursor>
      const failedTables: { table: SourceTable; reason: string }[] = []
      let more = false
      let budget = input.maxBatchRows ?? DEFAULT_BATCH_ROWS
      for (const table of SOURCE_READ_ORDER) {
        const cursor = previous?.cursors[table] ?? INITIAL_CURSOR
        cursors[table] = cursor
        // Once the budget is spent, every later table waits for the next batch (read with limit 0: an
        // empty entry, the cursor unchanged). Tables come in SOURCE_READ_ORDER, so a table is read only
        // when every table it points at was read to the end of this snapshot: no row arrives before
        // what it points at. A read that fills its limit may have left rows behind.
        const rowLimit = Math.max(budget, 0)
        // A savepoint per table: one table's failure (a dropped column, say) leaves the others readable.
        await tx.exec('SAVEPOINT table_read')
        try {
          const result = await runReadTableWindow(tx, ingestion, {
            def: sourceTable(table),
            cursor,
            lagMs: input.lagMs,
            batchId,
            attempt,
            createdAt,
            rowLimit,
          })
          await tx.exec('RELEASE SAVEPOINT table_read')
          entries.push(result.entry)
          cursors[table] = toNextCursor(cursor, result.read)
          budget -= result.entry.rows
          if (result.entry.rows === rowLimit) more = true
        } catch (error) {
          await tx.exec('ROLLBACK TO SAVEPOINT table_read')
          failedTables.push({ table, reason: error instanceof Error ? error.message : String(error) })
          log.alert('extract could not read a table; its cursor stays where it was', {
            stage: 'extract',
            batchId,
            table,
            ...errorFields(error),
          })
        }
        await deps.faults?.('after-table')
      }
      return { createdAt, entries, cursors, failedTables, more }
    },
    { isolation: 'repeatable read', readOnly: true },
  )

  const rows = Object.fromEntries(entries.map((e) => [e.table, e.rows])) as Partial<
    Record<SourceTable, number>
  >
  const ms = () => Math.round(performance.now() - started)
  if (entries.every((e) => e.rows === 0)) {
    log.info('extract found no changes', { stage: 'extract', ms: ms(), failedTables: failedTables.length })
    return { batchId: null, batches: [], outcome: 'no-changes', rows, failedTables, more: false, ms: ms() }
  }

  const manifest: IngestionManifest = {
    format: INGESTION_FORMAT,
    batchId,
    createdAt,
    lagMs: input.lagMs,
    tables: entries,
    failedTables,
    cursors,
  }
  await deps.faults?.('before-manifest')
  const written = entries.map((e) => e.key)
  if (
    !(await commitBatch(ingestion, {
      key: manifestKey(batchId),
      codec: INGESTION_MANIFEST,
      manifest,
      written,
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
