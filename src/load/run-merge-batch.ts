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
 * Bulk (drop the foreign keys, append, re-create them) validates every row of the table once per key:
 * ~0.13–0.19 µs per row and key, plus ~10 ms per key. Row by row, every appended row runs one check per
 * key: ~4–5 µs per row and key. Measured on fact_payment (7 keys; 2026-12-01, Finding 12), backend CPU,
 * bulk against row by row: 10k facts into 99k rows 250–300 against 350–480 ms, into 198k 320–380 against
 * 370–510, into 297k 400–430 against 400–450 (even); 30k into 990k 1,570 against 1,030; 2k into 99k 180–220
 * against 70. So bulk pays while the table holds up to ~24 times the batch: a first load's 250k-row
 * chunks into tables of up to ~6M rows, the bench's 10k-payment cycles; row by row beyond.
 */
export const BULK_SHARE_DIVISOR = 24

/**
 * Whether `batchRows` facts append in bulk into a table the planner expects to hold `tableRows`: at least
 * `minRows` of them, and at least 1/`share` of the table.
 */
export function isBulkAppend(
  batchRows: number,
  tableRows: number,
  minRows: number,
  share = BULK_SHARE_DIVISOR,
): boolean {
  return batchRows >= minRows && batchRows * share >= tableRows
}

/**
 * Appends the staged facts; the fact tables that get at least `bulkFactRows` rows, and 1/`share` of what
 * they hold (isBulkAppend), with their foreign keys dropped and re-created (validated) in the same
 * transaction.
 */
export async function runMergeFacts(
  batch: BatchSession,
  tables: readonly LoadTable[],
  counts: Counts,
  bulkFactRows: number | undefined,
  share = BULK_SHARE_DIVISOR,
): Promise<void> {
  const mergeFacts = () => runMerge(batch, tables, counts, 'fact')
  const bulk =
    bulkFactRows === undefined ? [] : await runPickBulkTables(batch.tx, tables, counts, bulkFactRows, share)
  if (bulk.length === 0) return mergeFacts()
  await runWithoutForeignKeys(batch.tx, bulk, mergeFacts, {
    restore: (sql, table) => runStep(batch, table, 'checking the foreign keys of', () => batch.tx.exec(sql)),
  })
}

/**
 * The rows the planner expects a table to hold (no scan): `reltuples` scaled to the table's current
 * pages, or, for a table never analysed (`reltuples` −1: no VACUUM or ANALYZE has run, as on a server
 * without autovacuum), its current pages at the density its column types imply. Reading `reltuples`
 * alone took such a table for empty, however large, and sent every batch of a few thousand facts down
 * the bulk path. Pages, not live rows, are also what the bulk path's validation scans.
 */
export async function runEstimateRows(tx: SqlSession, physical: string): Promise<number> {
  type Plan = [{ Plan: { 'Plan Rows': number } }]
  const [row] = await tx.query<{ 'QUERY PLAN': Plan | string }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${quoteIdent(physical)}`,
  )
  const plan = row?.['QUERY PLAN']
  const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as Plan | undefined
  return parsed?.[0]?.Plan['Plan Rows'] ?? 0
}

/** The physical fact tables this batch is big enough to append in bulk. */
async function runPickBulkTables(
  tx: SqlSession,
  tables: readonly LoadTable[],
  counts: Counts,
  threshold: number,
  share: number,
): Promise<string[]> {
  const bulk: string[] = []
  for (const { merge, physical } of tables) {
    const count = counts.get(merge.name)
    if (merge.kind !== 'fact' || !count || count.rows < threshold) continue
    if (isBulkAppend(count.rows, await runEstimateRows(tx, physical), threshold, share)) bulk.push(physical)
  }
  return bulk
}
