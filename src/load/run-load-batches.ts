/**
 * The batch loader, whatever the target (the warehouse's 11 tables, a stream's tables): every processed
 * batch its ledger lacks, in batch order, each in ONE transaction: advisory lock, the target's tables made
 * sure of, ledger re-check, COPY into TEMP staging tables, upserts (dim_date first), appends of the rows
 * not yet present, ledger row, commit. A crash anywhere rolls the batch back whole; a retry repeats nothing.
 */
import { DataError } from '../core/errors.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { openParquetToCsv, type ParquetToCsv } from '../io/parquet-to-csv.ts'
import type { LedgerTableRows } from '../io/warehouse-db.ts'
import type { Log } from '../log.ts'
import { type LoadFaultPoint, type LoadManifest, type LoadTarget, toBatchName } from './load-target.ts'
import { planLoad } from './plan-load.ts'
import { runPrepareFiles, type StagedFile } from './prepare-batch.ts'
import { type BatchSession, runMerge, runMergeFacts, runStage } from './run-merge-batch.ts'
import { LOAD_LOCK_KEY } from './warehouse-ddl.ts'

export interface BatchLoadDeps {
  readonly warehouse: Database
  /** The store the target's parquet files are fetched from. */
  readonly processed: ObjectStore
  readonly log: Log
  /** Where parquet files are converted to CSV (default: the OS temp folder). */
  readonly tmpDir?: string
  /** Test hook called inside each batch's transaction; throwing simulates a crash at that point. */
  readonly faults?: (point: LoadFaultPoint, batchId: string) => void | Promise<void>
}

export interface LoadedBatch {
  readonly batchId: string
  /** Per table with rows in the batch: rows staged, inserted, updated (upserts only). */
  readonly tables: Readonly<Record<string, LedgerTableRows>>
  readonly ms: number
}

export interface BatchLoadResult {
  readonly loaded: readonly LoadedBatch[]
  /** Batches another loader committed while this one waited for the lock. */
  readonly skipped: readonly string[]
  /** Set when loading stopped at a gap in the batch sequence. */
  readonly waitingFor?: string
}

/** Loads every processed batch of a target its ledger lacks, in order, exactly once each. */
export async function runLoadBatches<M extends LoadManifest>(
  deps: BatchLoadDeps,
  target: LoadTarget<M>,
  untilBatchId?: string,
): Promise<BatchLoadResult> {
  const listed = await target.listBatchIds()
  const plan = planLoad(listed, await target.ledger.readBatchIds(deps.warehouse), untilBatchId)
  if (plan.outOfOrder.length > 0) {
    const prefix = target.stream === undefined ? '' : `${target.stream}: `
    throw new DataError(
      `${prefix}processed batches ${plan.outOfOrder.join(', ')} are older than the newest loaded batch: ${target.outOfOrderAdvice}`,
      { stage: 'load', batchId: plan.outOfOrder[0] },
    )
  }
  const { logs } = target
  const say = (message: string | undefined, fields: Record<string, unknown>) => {
    if (message !== undefined) deps.log.info(message, { stage: 'load', ...logs.fields, ...fields })
  }
  const loaded: LoadedBatch[] = []
  const skipped: string[] = []
  if (plan.pending.length === 0) return toResult(deps, target, loaded, skipped, plan.waitingFor)
  const scratch = await openParquetToCsv(deps.tmpDir)
  const prepare = (batchId: string | undefined) =>
    batchId === undefined ? undefined : runPrepareBatch(deps, target, scratch, batchId)
  // The next batch's files are fetched, checked and converted while this one's transaction runs
  // (DuckDB on one core, PostgreSQL on the other); nothing of it touches the warehouse.
  let next = prepare(plan.pending[0])
  try {
    for (const [i, batchId] of plan.pending.entries()) {
      const prepared = await (next as Promise<PreparedBatch<M>>)
      next = prepare(plan.pending[i + 1])
      next?.catch(() => {}) // awaited in its turn, or below
      const batch = await runLoadBatch(deps, target, scratch, prepared)
      if (batch) {
        loaded.push(batch)
        say(logs.loaded, { batchId, tables: batch.tables, ms: batch.ms })
      } else {
        skipped.push(batchId)
        say(logs.skipped, { batchId })
      }
    }
  } finally {
    // A batch prepared ahead of one that failed: its files go too.
    const ahead = await next?.catch(() => undefined)
    if (ahead) await scratch.removeDir(ahead.dir)
    await scratch.close()
  }
  return toResult(deps, target, loaded, skipped, plan.waitingFor)
}

/** The result, with the warning for a gap in the batch sequence. */
function toResult<M extends LoadManifest>(
  deps: BatchLoadDeps,
  target: LoadTarget<M>,
  loaded: LoadedBatch[],
  skipped: string[],
  waitingFor: string | undefined,
): BatchLoadResult {
  const { logs } = target
  if (waitingFor && logs.waiting)
    deps.log.warn(logs.waiting, { stage: 'load', ...logs.fields, batchId: waitingFor })
  return { loaded, skipped, ...(waitingFor ? { waitingFor } : {}) }
}

/** A batch's manifest and its files checked and converted, in their own scratch folder. */
interface PreparedBatch<M extends LoadManifest> {
  readonly batchId: string
  /** Milliseconds the preparation took (it may run while the batch before is applied). */
  readonly preparedMs: number
  readonly dir: string
  readonly manifest: M
  readonly files: readonly StagedFile[]
}

/** Fetches, checks and converts a batch's files, outside any transaction. */
async function runPrepareBatch<M extends LoadManifest>(
  deps: BatchLoadDeps,
  target: LoadTarget<M>,
  scratch: ParquetToCsv,
  batchId: string,
): Promise<PreparedBatch<M>> {
  const started = performance.now()
  const manifest = await target.readManifest(batchId)
  const dir = await scratch.makeDir(
    target.stream === undefined ? batchId : `${target.stream.replaceAll('/', '-')}-${batchId}`,
  )
  try {
    const files = await runPrepareFiles(deps.processed, scratch, target, manifest, dir)
    return { batchId, preparedMs: performance.now() - started, dir, manifest, files }
  } catch (error) {
    await scratch.removeDir(dir)
    throw error
  }
}

/** Loads one prepared batch in one transaction, then removes its files. */
async function runLoadBatch<M extends LoadManifest>(
  deps: BatchLoadDeps,
  target: LoadTarget<M>,
  scratch: ParquetToCsv,
  prepared: PreparedBatch<M>,
): Promise<LoadedBatch | undefined> {
  const { batchId, dir, files } = prepared
  const started = performance.now()
  try {
    const tables = await runApplyBatch(deps, target, scratch, prepared.manifest, files)
    const ms = Math.round(prepared.preparedMs + performance.now() - started)
    return tables ? { batchId, tables, ms } : undefined
  } finally {
    await scratch.removeDir(dir)
  }
}

/** The batch's transaction; undefined when another loader committed the batch while this one waited. */
function runApplyBatch<M extends LoadManifest>(
  deps: BatchLoadDeps,
  target: LoadTarget<M>,
  scratch: ParquetToCsv,
  manifest: M,
  files: readonly StagedFile[],
): Promise<Record<string, LedgerTableRows> | undefined> {
  const { batchId } = manifest
  const fault = async (point: LoadFaultPoint) => deps.faults?.(point, batchId)
  const tables = target.tablesOf(manifest)
  return deps.warehouse.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOAD_LOCK_KEY])
    await target.prepare?.(tx, manifest)
    // Another loader may have committed this batch while we waited for the lock.
    if (await target.ledger.isLoaded(tx, batchId)) return undefined
    await fault('after-lock')
    const batch: BatchSession = {
      tx,
      batchId,
      name: toBatchName(target, batchId),
      foreignKeyAdvice: target.foreignKeyAdvice,
    }
    const counts = await runStage(batch, scratch, files)
    await fault('after-staging')
    await runMerge(batch, tables, counts, 'dim')
    await fault('after-dims')
    await runMergeFacts(batch, tables, counts, target.bulkFactRows, target.bulkFactShare)
    await fault('after-facts')
    const rows = Object.fromEntries(counts)
    await target.ledger.insert(tx, manifest, rows)
    await fault('after-ledger')
    return rows
  })
}
