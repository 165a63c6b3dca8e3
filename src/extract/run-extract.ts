/**
 * The extract stage: every row version changed since the last committed batch, all 11 tables read in
 * one REPEATABLE READ snapshot, streamed to the ingestion store; the manifest, created only if absent,
 * commits the batch. See docs/ARCHITECTURE.md for why this never loses or repeats a change.
 */
import { performance } from 'node:perf_hooks'
import { manifestKey, newAttemptId, parseBatchId, toBatchId } from '../core/batch-id.ts'
import { SOURCE_TABLES, type SourceTable, sourceTable } from '../core/catalogue.ts'
import {
  INGESTION_FORMAT,
  type IngestionManifest,
  type IngestionTableEntry,
  type TableCursor,
  toIngestionManifestJson,
} from '../core/ingestion-manifest.ts'
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
}

export interface ExtractResult {
  /** The batch this run committed, or null. */
  readonly batchId: string | null
  readonly outcome: 'committed' | 'no-changes' | 'lost-race'
  readonly rows: Readonly<Partial<Record<SourceTable, number>>>
  readonly failedTables: IngestionManifest['failedTables']
  readonly ms: number
}

/** Runs one extract. */
export async function runExtract(deps: ExtractDeps, input: ExtractInput): Promise<ExtractResult> {
  const started = performance.now()
  const { source, ingestion, log } = deps
  const committed = await runListIngestionBatches(ingestion)
  const lastId = committed.at(-1)
  const previous = lastId === undefined ? undefined : await runReadIngestionManifest(ingestion, lastId)
  const batchId = toBatchId((lastId === undefined ? 0 : (parseBatchId(lastId) ?? 0)) + 1)
  const attempt = newAttemptId()

  const { createdAt, entries, cursors, failedTables } = await source.transaction(
    async (tx) => {
      await tx.exec(SESSION_SQL)
      const [clock] = await tx.query<{ now: string }>(NOW_SQL)
      const createdAt = clock?.now ?? ''
      const entries: IngestionTableEntry[] = []
      const cursors = {} as Record<SourceTable, TableCursor>
      const failedTables: { table: SourceTable; reason: string }[] = []
      for (const table of SOURCE_TABLES) {
        const cursor = previous?.cursors[table] ?? INITIAL_CURSOR
        cursors[table] = cursor
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
          })
          await tx.exec('RELEASE SAVEPOINT table_read')
          entries.push(result.entry)
          cursors[table] = toNextCursor(cursor, result.read)
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
      return { createdAt, entries, cursors, failedTables }
    },
    { isolation: 'repeatable read', readOnly: true },
  )

  const rows = Object.fromEntries(entries.map((e) => [e.table, e.rows])) as Partial<
    Record<SourceTable, number>
  >
  const ms = () => Math.round(performance.now() - started)
  if (entries.every((e) => e.rows === 0)) {
    log.info('extract found no changes', { stage: 'extract', ms: ms(), failedTables: failedTables.length })
    return { batchId: null, outcome: 'no-changes', rows, failedTables, ms: ms() }
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
  if (!(await ingestion.createIfAbsent(manifestKey(batchId), toIngestionManifestJson(manifest)))) {
    // Another extract committed this batch number first; our files were never visible. Tidy them.
    await Promise.all(entries.flatMap((e) => (e.key ? [ingestion.delete(e.key)] : [])))
    log.warn('extract lost the race to commit a batch; another run committed it', {
      stage: 'extract',
      batchId,
    })
    return { batchId: null, outcome: 'lost-race', rows, failedTables, ms: ms() }
  }
  log.info('extract committed a batch', {
    stage: 'extract',
    batchId,
    rows: entries.reduce((sum, e) => sum + e.rows, 0),
    tables: rows,
    ms: ms(),
  })
  return { batchId, outcome: 'committed', rows, failedTables, ms: ms() }
}
