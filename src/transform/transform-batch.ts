/**
 * Transforms one ingestion batch into one processed batch, all inside DuckDB (CSV → checks → models →
 * parquet): no row passes through JS. Order: schema check per table, stage + row checks, lookup state,
 * fact models, dim_date, dimension models, parquet files, state, then the processed manifest (the commit).
 */
import { manifestKey, newAttemptId, toPartitionedKey } from '../core/batch-id.ts'
import { DataError } from '../core/errors.ts'
import { commitBatch } from '../core/manifests/commit-batch.ts'
import type { IngestionManifest } from '../core/manifests/ingestion.ts'
import {
  PROCESSED_FORMAT,
  PROCESSED_MANIFEST,
  type ProcessedTableEntry,
} from '../core/manifests/processed.ts'
import type { SourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import { type DuckDb, openDuckDb, readParquetSql, sqlString } from '../io/duckdb.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import { earlierBatches } from './earlier-batches.ts'
import { SOURCE_NEEDS, type SourceNeeds } from './source-needs.ts'
import {
  KEPT_PARQUET,
  SCRATCH_PARQUET,
  TIMESTAMP_FORMAT,
  toBatchLatestSql,
  toNextStateSql,
  toSourceViewSql,
} from './stage-sql.ts'
import { createReferenceTables, stageTable } from './stage-table.ts'
import { EMPTY_STATE, runReadStateMeta, runWriteStateMeta, stateTableKey } from './transform-state.ts'
import { modelPath, writeModels } from './write-models.ts'

/**
 * DuckDB's memory_limit for a batch: 64MB per started 250k rows (the extract's default bound). Nothing
 * proportional to the batch is held as a table: every step streams from file to file (CSV → checked
 * parquet → model parquet), so DuckDB's pool only holds operator state (hash tables keyed on the batch,
 * sorts), which spills past the limit, though not all of it: measured (docs/BENCHMARKS.md, Finding 5) on
 * 3M rows, 250k-row batches run in 64MB (48MB ran out of memory), 500k-row batches need 128MB, 1M-row
 * batches ran in 128MB (given 256MB, a margin); peak RSS ~250, ~265 and ~320 MB.
 */
export function transformMemoryLimit(batchRows: number): string {
  return `${64 * Math.max(1, Math.ceil(batchRows / 250_000))}MB`
}

/**
 * From this many rows a batch's DuckDB hands freed memory back to the OS at once (releaseFreedMemory):
 * a 250k-row batch's peak RSS ~20-30 MB lower for ~5 % of its time; a 30k-row one's lower too, but
 * ~20 % slower, and small batches are the latency of every incremental cycle (Finding 10).
 */
export const RELEASE_FREED_ABOVE_ROWS = 100_000

export interface TransformDeps {
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  readonly log: Log
  /** Parent folder for DuckDB's scratch and spill files. */
  readonly tmpDir?: string
  /** DuckDB memory_limit; default transformMemoryLimit(the batch's rows). */
  readonly memoryLimit?: string
}

export interface BatchOutcome {
  readonly batchId: string
  /** False when another run committed this batch first (this run's files were discarded). */
  readonly committed: boolean
  readonly rows: Readonly<Record<WarehouseTable, number>>
  readonly quarantinedRows: number
  readonly quarantined: readonly string[]
  /** Rows skipped because an earlier batch already holds their version (the lake is at-least-once). */
  readonly takenRows: number
}

/** Transforms one batch; `previousBatchId` is the committed processed batch just before it (its state). */
export async function runTransformBatch(
  deps: TransformDeps,
  manifest: IngestionManifest,
  previousBatchId: string | undefined,
): Promise<BatchOutcome> {
  const batchRows = manifest.tables.reduce((n, t) => n + t.rows, 0)
  const db = await openDuckDb({
    tmpDir: deps.tmpDir,
    memoryLimit: deps.memoryLimit ?? transformMemoryLimit(batchRows),
    releaseFreedMemory: batchRows > RELEASE_FREED_ABOVE_ROWS,
  })
  try {
    return await transformIn(db, deps, manifest, previousBatchId)
  } finally {
    await db.close()
  }
}

async function transformIn(
  db: DuckDb,
  deps: TransformDeps,
  manifest: IngestionManifest,
  previousBatchId: string | undefined,
): Promise<BatchOutcome> {
  const { batchId } = manifest
  const previous = previousBatchId ? await runReadStateMeta(deps.processed, previousBatchId) : EMPTY_STATE
  if (!previous)
    throw new DataError(`the transform state of batch ${previousBatchId} is missing`, { batchId })
  const replayOf = manifest.replayOf ?? []
  // A second replay batch of the same entries (a replay that crashed before marking them) adds nothing.
  const duplicateReplay = replayOf.length > 0 && replayOf.every((id) => previous.replayed.includes(id))
  await createReferenceTables(db, {
    isoCurrency: manifest.tables.some((t) => t.table === 'currency' && t.key !== null && t.rows > 0),
  })
  const staged = await stageSources(db, deps, manifest, previousBatchId, duplicateReplay)
  const { rows, range } = await writeModels(db, previous, staged.tables)
  const tables = await runUploadModels(db, deps.processed, manifest, rows)

  for (const [table, path] of staged.statePaths)
    await deps.processed.putFile(stateTableKey(batchId, table), path)
  const replayed = [...new Set([...previous.replayed, ...replayOf])].sort()
  await runWriteStateMeta(deps.processed, batchId, { dateLo: range.lo, dateHi: range.hi, replayed })

  // Another run may have committed this batch: its files are the batch; ours (other attempt id) go.
  const committed = await commitBatch(deps.processed, {
    key: manifestKey(batchId),
    codec: PROCESSED_MANIFEST,
    manifest: {
      format: PROCESSED_FORMAT,
      batchId,
      sourceCreatedAt: manifest.createdAt,
      watermarks: staged.watermarks,
      tables,
      quarantined: staged.quarantined,
    },
    written: tables.map((t) => t.key),
  })
  if (!committed) {
    deps.log.info('transform batch already committed by another run; discarded', {
      stage: 'transform',
      batchId,
    })
  }
  const { quarantined, quarantinedRows, takenRows } = staged
  return { batchId, committed, rows, quarantinedRows, quarantined, takenRows }
}

interface StagedSources {
  readonly quarantined: string[]
  quarantinedRows: number
  takenRows: number
  readonly watermarks: Partial<Record<SourceTable, string>>
  /** The state file of each lookup table after this batch. */
  readonly statePaths: Map<SourceTable, string>
  /** The tables this batch staged rows of (src_<table> may be non-empty). */
  readonly tables: Set<SourceTable>
}

/**
 * Every source table in dependency order: its rows checked and staged (src_<table>, held rows to
 * quarantine), a lookup's state advanced, and the table's watermark read. A table the batch does not
 * touch only gets views (an empty src_, its state as it was); those are created together, in one round
 * trip, before the next statement that reads them (most batches touch one or two of eleven tables).
 */
async function stageSources(
  db: DuckDb,
  deps: TransformDeps,
  manifest: IngestionManifest,
  previousBatchId: string | undefined,
  duplicateReplay: boolean,
): Promise<StagedSources> {
  const out: StagedSources = {
    quarantined: [],
    quarantinedRows: 0,
    takenRows: 0,
    watermarks: {},
    statePaths: new Map(),
    tables: new Set(),
  }
  const views = new PendingViews(db)
  const earlier = earlierBatches(deps.ingestion, manifest.batchId)
  for (const needs of SOURCE_NEEDS) {
    const entry = duplicateReplay
      ? undefined
      : manifest.tables.find((t) => t.table === needs.table && t.key !== null && t.rows > 0)
    let sourceNames: ReadonlyMap<string, string> | undefined
    if (entry) {
      await views.flush() // its reference checks read the states of the tables before it
      const staged = await stageTable(db, deps, manifest, needs, entry, earlier)
      out.takenRows += staged.taken
      sourceNames = staged.sourceNames
      if (staged.entry) {
        out.quarantined.push(staged.entry.id)
        out.quarantinedRows += staged.entry.rows
      }
    }
    views.add(toSourceViewSql(needs, sourceNames))
    if (needs.kind === 'lookup')
      out.statePaths.set(
        needs.table,
        await advanceState(views, deps.processed, needs, previousBatchId, !!sourceNames),
      )
    if (sourceNames) {
      out.tables.add(needs.table)
      await views.flush()
      const w = await readWatermark(db, needs.table, manifest.createdAt)
      if (w) out.watermarks[needs.table] = w
    }
  }
  await views.flush()
  return out
}

/** CREATE VIEW statements held back and run together (each DuckDB call costs ~1 ms, a view far less). */
class PendingViews {
  private readonly statements: string[] = []
  constructor(readonly db: DuckDb) {}
  add(sql: string): void {
    this.statements.push(sql)
  }
  async flush(): Promise<void> {
    if (this.statements.length > 0) await this.db.run(this.statements.splice(0).join(';\n'))
  }
}

/** The newest change staged of a table, never past the source's clock (the batch's creation time). */
async function readWatermark(db: DuckDb, table: SourceTable, createdAt: string): Promise<string | null> {
  // A row stamped in the future must not make the warehouse look fresh.
  const [w] = await db.rows<{ w: string | null }>(
    `SELECT strftime(least(max(last_updated), CAST($1 AS TIMESTAMP)), ${TIMESTAMP_FORMAT}) AS w FROM ${quoteIdent(`src_${table}`)}`,
    [createdAt],
  )
  return w?.w ?? null
}

/** Each non-empty model's parquet file under this attempt's key; an empty table gets no file. */
async function runUploadModels(
  db: DuckDb,
  processed: ObjectStore,
  manifest: IngestionManifest,
  rows: Readonly<Record<WarehouseTable, number>>,
): Promise<ProcessedTableEntry[]> {
  const attempt = newAttemptId()
  const tables: ProcessedTableEntry[] = []
  for (const table of WAREHOUSE_TABLES) {
    if (rows[table] === 0) {
      tables.push({ table, key: null, rows: 0, sha256: null })
      continue
    }
    const path = modelPath(db, table)
    const key = toPartitionedKey(table, manifest.createdAt, manifest.batchId, attempt, 'parquet')
    await processed.putFile(key, path)
    tables.push({ table, key, rows: rows[table], sha256: (await db.fileDigest(path)).sha256 })
  }
  return tables
}

/**
 * The lookup table's state after this batch, as a parquet file (returned; uploaded with the batch), and
 * cur_<table> as a view over it. prev_<table> is a view over the previous batch's file: nothing
 * proportional to the table is held in DuckDB's memory. A table this batch did not touch keeps its file
 * (its cur_ view waits in `views`).
 */
async function advanceState(
  views: PendingViews,
  processed: ObjectStore,
  needs: SourceNeeds,
  previousBatchId: string | undefined,
  changed: boolean,
): Promise<string> {
  const { db } = views
  const prev = quoteIdent(`prev_${needs.table}`)
  const cur = quoteIdent(`cur_${needs.table}`)
  let prevPath: string | undefined
  if (previousBatchId !== undefined) {
    const key = stateTableKey(previousBatchId, needs.table)
    prevPath = await processed.toLocalFile(key, db.workDir).catch((cause: unknown) => {
      throw new DataError(
        `the transform state ${key} is missing`,
        { batchId: previousBatchId, key },
        { cause },
      )
    })
    // Untouched: its state is the previous file, read only by cur_ (a view DuckDB binds, reading the
    // file's metadata, when it is created: one view, not prev_ and cur_ over it).
    if (!changed) {
      views.add(`CREATE VIEW ${cur} AS SELECT * FROM ${readParquetSql(prevPath)}`)
      return prevPath
    }
  }
  views.add(
    prevPath === undefined
      ? `CREATE VIEW ${prev} AS SELECT * FROM ${quoteIdent(`src_${needs.table}`)} LIMIT 0`
      : `CREATE VIEW ${prev} AS SELECT * FROM ${readParquetSql(prevPath)}`,
  )
  await views.flush()
  const batchPath = `${db.workDir}/batch-${needs.table}.parquet`
  await db.run(`COPY (${toBatchLatestSql(needs)}) TO ${sqlString(batchPath)} (${SCRATCH_PARQUET})`)
  await db.run(
    `CREATE VIEW ${quoteIdent(`batch_${needs.table}`)} AS SELECT * FROM ${readParquetSql(batchPath)}`,
  )
  const next = `${db.workDir}/state-${needs.table}.parquet`
  await db.run(`COPY (${toNextStateSql(needs)}) TO ${sqlString(next)} (${KEPT_PARQUET})`)
  views.add(`CREATE VIEW ${cur} AS SELECT * FROM ${readParquetSql(next)}`)
  return next
}
