/**
 * The load of an extension stream (FX rates, a JSON dataset), on the core load's path: each processed
 * batch the stream ledger lacks, in batch order, in ONE transaction: the same advisory lock as the core
 * load, ledger re-check, parquet checked (sha256, columns) and turned into CSV, COPY into TEMP staging
 * tables, upsert (or append) through the same SQL builders, ledger row, commit.
 */
import { type ColumnType, Kysely } from 'kysely'
import { DataError, EtlError, isTransient } from '../core/errors.ts'
import { duckPatternOfExtension, type ExtensionTable } from '../core/extension-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { streamBatchIds, streamManifestKey, streamManifestPrefix } from '../extensions/stream-keys.ts'
import { parseStreamProcessedManifest, type StreamProcessedManifest } from '../extensions/stream-manifest.ts'
import type { Database, SqlSession } from '../io/database.ts'
import { SessionDialect } from '../io/kysely-dialect.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import { openParquetToCsv, type ParquetToCsv } from '../io/parquet-to-csv.ts'
import type { Log } from '../log.ts'
import {
  STREAM_LEDGER_DDL,
  toAddColumnsDdl,
  toExtensionMergeTable,
  toExtensionTableDdl,
} from './extension-ddl.ts'
import { planLoad } from './plan-load.ts'
import {
  toAppendSqlOf,
  toParquetProblemsOf,
  toStagingCopySqlOf,
  toStagingDdlOf,
  toStagingTable,
  toUpsertSqlOf,
} from './plan-merge.ts'
import { LOAD_LOCK_KEY } from './warehouse-ddl.ts'

interface StreamLedgerTable {
  stream: string
  batch_id: string
  loaded_at: ColumnType<string, string | undefined, never>
  source_created_at: string
  rows: ColumnType<Record<string, StreamTableRows>, string, string>
}

const ledgerDb = (session: Database | SqlSession) =>
  new Kysely<{ 'etl.stream_ledger': StreamLedgerTable }>({ dialect: new SessionDialect(session) })

export interface StreamTableRows {
  readonly rows: number
  readonly inserted: number
  readonly updated: number
}

export interface StreamLoadDeps {
  readonly warehouse: Database
  readonly processed: ObjectStore
  readonly log: Log
  readonly tmpDir?: string
  /** Test hook called inside each batch's transaction after the merge; throwing simulates a crash. */
  readonly faults?: (batchId: string) => void | Promise<void>
}

export interface StreamLoadInput {
  readonly stream: string
  /** The tables a batch loads into (fixed for FX, from the batch's schema version for a dataset). */
  tablesOf(manifest: StreamProcessedManifest): readonly ExtensionTable[]
}

export interface StreamLoadResult {
  readonly loaded: readonly {
    readonly batchId: string
    readonly tables: Readonly<Record<string, StreamTableRows>>
    readonly ms: number
  }[]
  readonly waitingFor?: string
}

/** Creates the stream ledger and the given tables when missing (idempotent, under the load lock). */
export async function runInitStreamTables(db: Database, tables: readonly ExtensionTable[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOAD_LOCK_KEY])
    await ensureTables(tx, tables)
  })
}

async function ensureTables(tx: SqlSession, tables: readonly ExtensionTable[]): Promise<void> {
  await tx.exec(STREAM_LEDGER_DDL)
  for (const table of tables) {
    await tx.exec(toExtensionTableDdl(table))
    for (const ddl of toAddColumnsDdl(table)) await tx.exec(ddl)
  }
}

/** The batch ids of a stream the warehouse holds, ascending. */
export async function runReadStreamLedger(db: Database | SqlSession, stream: string): Promise<string[]> {
  const [exists] = await db.query<{ ok: boolean }>(
    "SELECT to_regclass('etl.stream_ledger') IS NOT NULL AS ok",
  )
  if (!exists?.ok) return []
  const rows = await ledgerDb(db)
    .selectFrom('etl.stream_ledger')
    .select('batch_id')
    .where('stream', '=', stream)
    .orderBy('batch_id')
    .execute()
  return rows.map((r) => r.batch_id)
}

/** Loads every pending processed batch of a stream, in order, exactly once each. */
export async function runLoadStream(deps: StreamLoadDeps, input: StreamLoadInput): Promise<StreamLoadResult> {
  const { stream } = input
  const listed = streamBatchIds(stream, await deps.processed.list(streamManifestPrefix(stream)))
  const plan = planLoad(listed, await runReadStreamLedger(deps.warehouse, stream))
  if (plan.outOfOrder.length > 0) {
    throw new DataError(
      `${stream}: processed batches ${plan.outOfOrder.join(', ')} are older than the newest loaded one; re-run the stream's transform from scratch into a new processed prefix`,
      { stage: 'load', batchId: plan.outOfOrder[0] },
    )
  }
  const loaded: { batchId: string; tables: Record<string, StreamTableRows>; ms: number }[] = []
  const scratch = await openParquetToCsv(deps.tmpDir)
  try {
    for (const batchId of plan.pending) {
      const started = performance.now()
      const tables = await loadBatch(deps, input, scratch, batchId)
      if (!tables) continue
      const ms = Math.round(performance.now() - started)
      loaded.push({ batchId, tables, ms })
      deps.log.info('stream batch loaded', { stage: 'load', stream, batchId, tables, ms })
    }
  } finally {
    await scratch.close()
  }
  return { loaded, ...(plan.waitingFor ? { waitingFor: plan.waitingFor } : {}) }
}

async function readManifest(
  store: ObjectStore,
  stream: string,
  batchId: string,
): Promise<StreamProcessedManifest> {
  const text = await getText(store, streamManifestKey(stream, batchId))
  if (text === undefined) throw new DataError(`${stream} processed manifest ${batchId} vanished`, { batchId })
  try {
    const manifest = parseStreamProcessedManifest(text)
    if (manifest.batchId !== batchId || manifest.stream !== stream) throw new Error('names another batch')
    return manifest
  } catch (cause) {
    throw new DataError(
      `${stream} processed manifest ${batchId} does not parse`,
      { stage: 'load', batchId },
      { cause },
    )
  }
}

async function loadBatch(
  deps: StreamLoadDeps,
  input: StreamLoadInput,
  scratch: ParquetToCsv,
  batchId: string,
): Promise<Record<string, StreamTableRows> | undefined> {
  const { stream } = input
  const manifest = await readManifest(deps.processed, stream, batchId)
  const declared = new Map(input.tablesOf(manifest).map((t) => [t.name, t]))
  const dir = await scratch.makeDir(`${stream.replaceAll('/', '-')}-${batchId}`)
  try {
    const staged: { table: ExtensionTable; csvPath: string; rows: number }[] = []
    for (const [index, entry] of manifest.tables.entries()) {
      const ids = { stage: 'load', batchId, table: entry.table, key: entry.key ?? undefined }
      const table = declared.get(entry.table)
      if (!table)
        throw new DataError(
          `${stream} batch ${batchId} names table ${entry.table}, which the stream does not declare`,
          ids,
        )
      if (entry.key === null || entry.rows === 0) continue
      const local = await deps.processed.toLocalFile(entry.key, dir)
      const sha256 = await scratch.sha256(local)
      if (sha256 !== entry.sha256)
        throw new DataError(
          `${stream} batch ${batchId}: ${entry.key} has sha256 ${sha256}, the manifest says ${entry.sha256}`,
          ids,
        )
      const expected = table.columns.map((c) => ({
        name: c.name,
        type: c.type,
        pattern: duckPatternOfExtension(c.type),
      }))
      const problems = toParquetProblemsOf(expected, await scratch.describe(local))
      if (problems.length > 0)
        throw new DataError(
          `${stream} batch ${batchId}: ${entry.key} does not fit ${table.name}: ${problems.join('; ')}`,
          ids,
        )
      const csvPath = `${dir}/${index}-${table.name}.csv`
      const rows = await scratch.toCsv(
        local,
        table.columns.map((c) => c.name),
        csvPath,
      )
      if (rows !== entry.rows)
        throw new DataError(
          `${stream} batch ${batchId}: ${entry.key} holds ${rows} rows, the manifest says ${entry.rows}`,
          ids,
        )
      staged.push({ table, csvPath, rows })
    }
    return await deps.warehouse.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOAD_LOCK_KEY])
      await ensureTables(tx, [...declared.values()])
      const done = await ledgerDb(tx)
        .selectFrom('etl.stream_ledger')
        .select('batch_id')
        .where('stream', '=', stream)
        .where('batch_id', '=', batchId)
        .executeTakeFirst()
      if (done) return undefined
      const counts: Record<string, StreamTableRows> = {}
      for (const file of staged) {
        const merge = toExtensionMergeTable(file.table)
        await step(stream, batchId, file.table.name, 'staging', async () => {
          await tx.exec(toStagingDdlOf(merge))
          await tx.copyIn(toStagingCopySqlOf(merge), scratch.open(file.csvPath))
          await tx.exec(`ANALYZE ${quoteIdent(toStagingTable(merge.name))}`)
        })
        const [row] = await step(stream, batchId, file.table.name, 'merging into', () =>
          tx.query<{ inserted: number; updated?: number }>(
            merge.kind === 'dim' ? toUpsertSqlOf(merge, merge.name) : toAppendSqlOf(merge, merge.name),
          ),
        )
        counts[file.table.name] = {
          rows: file.rows,
          inserted: row?.inserted ?? 0,
          updated: row?.updated ?? 0,
        }
      }
      await deps.faults?.(batchId)
      await ledgerDb(tx)
        .insertInto('etl.stream_ledger')
        .values({
          stream,
          batch_id: batchId,
          source_created_at: manifest.sourceCreatedAt,
          rows: JSON.stringify(counts),
        })
        .execute()
      return counts
    })
  } finally {
    await scratch.removeDir(dir)
  }
}

/** Runs one step, naming the stream, batch and table in any database error. */
async function step<T>(
  stream: string,
  batchId: string,
  table: string,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (error instanceof EtlError || isTransient(error)) throw error
    const code = String((error as { code?: unknown }).code ?? '')
    const message = `loading ${stream} batch ${batchId}: ${what} ${table} failed, the batch was rolled back: ${(error as Error).message}`
    const ids = { stage: 'load', batchId, table }
    if (code === '23503')
      throw new DataError(
        `${message} (a row references a key the warehouse lacks: load the core batches first)`,
        ids,
        { cause: error },
      )
    throw /^2[123]/.test(code)
      ? new DataError(message, ids, { cause: error })
      : new EtlError(message, ids, { cause: error })
  }
}
