/**
 * Inside a batch's transaction: COPY its CSV files into TEMP staging tables, then merge them into the
 * target's tables (upserts first, in the target's order, then appends), each step naming the batch and
 * the table in any failure through the one classifier (core/errors.ts).
 */
import { classifyError } from '../core/errors.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import type { SqlSession } from '../io/database.ts'
import type { ParquetToCsv } from '../io/parquet-to-csv.ts'
import type { LedgerTableRows } from '../io/warehouse-db.ts'
import { runWithoutForeignKeys } from '../io/without-foreign-keys.ts'
import type { LoadTable } from './load-target.ts'
import { toAppendSql, toStagingCopySql, toStagingDdl, toUpsertSql } from './plan-merge.ts'
import type { StagedFile } from './prepare-batch.ts'

/** One batch's transaction and how its failures are told. */
export interface BatchSession {
  readonly tx: SqlSession
  readonly batchId: string
  /** `batch 0000000001`, `fx batch 0000000001`. */
  readonly name: string
  readonly foreignKeyAdvice: string
}

/** Per table (merge name), in staging order: what the batch applied. */
export type Counts = Map<string, LedgerTableRows>

/** Runs one step of a batch for a table; a failure names the batch and table and says it rolled back. */
async function runStep<T>(
  batch: BatchSession,
  table: string,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw classifyError(
      error,
      `loading ${batch.name}: ${what} ${table} failed, the batch was rolled back`,
      { stage: 'load', batchId: batch.batchId, table },
      { foreignKey: batch.foreignKeyAdvice },
    )
  }
}

/**
 * COPYs every file into its table's staging table (created by the table's first file). No ANALYZE: a
 * table never analysed is sized by the planner from its pages, which for a freshly filled staging table
 * is within ~10 % of its rows, and the only plan choice (the facts' anti-join: index probes or a merge
 * or hash join) follows that size. The fact_payment append had the same plan with and without it at
 * 1k, 10k, 50k and 250k staged rows (2026-11-30, Finding 9); it cost ~1.4 s of a first load at ×30.
 */
export async function runStage(
  batch: BatchSession,
  scratch: ParquetToCsv,
  files: readonly StagedFile[],
): Promise<Counts> {
  const counts: Counts = new Map()
  for (const file of files) {
    const { merge } = file.table
    await runStep(batch, merge.name, 'staging', async () => {
      if (!counts.has(merge.name)) await batch.tx.exec(toStagingDdl(merge))
      await batch.tx.copyIn(toStagingCopySql(merge), scratch.open(file.csvPath))
    })
    const count = counts.get(merge.name) ?? { rows: 0, inserted: 0, updated: 0 }
    counts.set(merge.name, { ...count, rows: count.rows + file.rows })
  }
  return counts
}

/** Merges the staged tables of one kind, in the target's order (dim_date first, so later rows' dates exist). */
export async function runMerge(
  batch: BatchSession,
  tables: readonly LoadTable[],
  counts: Counts,
  kind: 'dim' | 'fact',
): Promise<void> {
  for (const { merge, physical } of tables) {
    const count = counts.get(merge.name)
    if (!count || merge.kind !== kind) continue
    const [row] = await runStep(batch, physical, kind === 'dim' ? 'upserting' : 'appending to', () =>
      batch.tx.query<{ inserted: number; updated?: number }>(
        kind === 'dim' ? toUpsertSql(merge, physical) : toAppendSql(merge, physical),
      ),
    )
    counts.set(merge.name, { ...count, inserted: row?.inserted ?? 0, updated: row?.updated ?? 0 })
  }
}

/**
 * A batch bringing at least 1/4 of the rows a fact table holds appends in bulk: re-validating the whole
 * table's keys in one pass beats checking that many rows one by one (a first load cut into batches of
 * 250k rows: every fact chunk but the last few of the largest table).
 */
const BULK_SHARE_DIVISOR = 4

/**
 * Appends the staged facts; the fact tables that get at least `bulkFactRows` rows, and a quarter of what
 * they hold, with their foreign keys dropped and re-created (validated) in the same transaction.
 */
export async function runMergeFacts(
  batch: BatchSession,
  tables: readonly LoadTable[],
  counts: Counts,
  bulkFactRows: number | undefined,
): Promise<void> {
  const mergeFacts = () => runMerge(batch, tables, counts, 'fact')
  const bulk =
    bulkFactRows === undefined ? [] : await runPickBulkTables(batch.tx, tables, counts, bulkFactRows)
  if (bulk.length === 0) return mergeFacts()
  await runWithoutForeignKeys(batch.tx, bulk, mergeFacts, {
    restore: (sql, table) => runStep(batch, table, 'checking the foreign keys of', () => batch.tx.exec(sql)),
  })
}

/** The physical fact tables this batch is big enough to append in bulk. */
async function runPickBulkTables(
  tx: SqlSession,
  tables: readonly LoadTable[],
  counts: Counts,
  threshold: number,
): Promise<string[]> {
  const bulk: string[] = []
  for (const { merge, physical } of tables) {
    const count = counts.get(merge.name)
    if (merge.kind !== 'fact' || !count || count.rows < threshold) continue
    // The planner's estimate is enough to tell a first load from an increment, and costs no scan.
    const [size] = await tx.query<{ n: number }>(
      'SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = to_regclass($1)',
      [quoteIdent(physical)],
    )
    if (count.rows * BULK_SHARE_DIVISOR >= (size?.n ?? 0)) bulk.push(physical)
  }
  return bulk
}
