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
import { WAREHOUSE_CATALOGUE, WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import { type DuckDb, openDuckDb, readParquetSql, sqlString } from '../io/duckdb.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import { earlierBatches } from './earlier-batches.ts'
import { DIM_MODELS, dimDate, FACT_MODELS } from './models/index.ts'
import type { Model } from './models/model.ts'
import { SOURCE_NEEDS, type SourceNeeds } from './source-needs.ts'
import {
  KEPT_PARQUET,
  SCRATCH_PARQUET,
  TIMESTAMP_FORMAT,
  toBatchLatestSql,
  toNextStateSql,
  toSourceViewSql,
  toTypedModelSql,
} from './stage-sql.ts'
import { createReferenceTables, stageTable } from './stage-table.ts'
import {
  EMPTY_STATE,
  planDateRange,
  runReadStateMeta,
  runWriteStateMeta,
  stateTableKey,
} from './transform-state.ts'

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
  const db = await openDuckDb({
    tmpDir: deps.tmpDir,
    memoryLimit: deps.memoryLimit ?? transformMemoryLimit(manifest.tables.reduce((n, t) => n + t.rows, 0)),
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
  await createReferenceTables(db)

  const quarantined: string[] = []
  let quarantinedRows = 0
  let takenRows = 0
  const earlier = earlierBatches(deps.ingestion, batchId)
  const watermarks: Partial<Record<SourceTable, string>> = {}
  const statePaths = new Map<SourceTable, string>()
  for (const needs of SOURCE_NEEDS) {
    const entry = duplicateReplay
      ? undefined
      : manifest.tables.find((t) => t.table === needs.table && t.key !== null && t.rows > 0)
    let sourceNames: ReadonlyMap<string, string> | undefined
    if (entry) {
      const staged = await stageTable(db, deps, manifest, needs, entry, earlier)
      takenRows += staged.taken
      sourceNames = staged.sourceNames
      if (staged.entry) {
        quarantined.push(staged.entry.id)
        quarantinedRows += staged.entry.rows
      }
    }
    await db.run(toSourceViewSql(needs, sourceNames))
    if (needs.kind === 'lookup')
      statePaths.set(
        needs.table,
        await advanceState(db, deps.processed, needs, previousBatchId, !!sourceNames),
      )
    if (sourceNames) {
      // Never past the source's clock: a row stamped in the future must not make the warehouse look fresh.
      const [w] = await db.rows<{ w: string | null }>(
        `SELECT strftime(least(max(last_updated), CAST($1 AS TIMESTAMP)), ${TIMESTAMP_FORMAT}) AS w FROM ${quoteIdent(`src_${needs.table}`)}`,
        [manifest.createdAt],
      )
      if (w?.w) watermarks[needs.table] = w.w
    }
  }

  const rows = Object.fromEntries(WAREHOUSE_TABLES.map((t) => [t, 0])) as Record<WarehouseTable, number>
  for (const model of FACT_MODELS) rows[model.table] = await writeModel(db, model)
  const span = await factDateSpan(db)
  const range = planDateRange(previous, span)
  await db.run('CREATE TABLE date_span (lo DATE, hi DATE)')
  for (const span of range.spans)
    await db.run('INSERT INTO date_span VALUES (CAST($1 AS DATE), CAST($2 AS DATE))', [span.lo, span.hi])
  rows.dim_date = await writeModel(db, dimDate)
  for (const model of DIM_MODELS) rows[model.table] = await writeModel(db, model)

  const attempt = newAttemptId()
  const tables: ProcessedTableEntry[] = []
  for (const table of WAREHOUSE_TABLES) {
    if (rows[table] === 0) {
      tables.push({ table, key: null, rows: 0, sha256: null })
      continue
    }
    const path = modelPath(db, table)
    const key = toPartitionedKey(table, manifest.createdAt, batchId, attempt, 'parquet')
    await deps.processed.putFile(key, path)
    tables.push({ table, key, rows: rows[table], sha256: (await db.fileDigest(path)).sha256 })
  }

  for (const [table, path] of statePaths) await deps.processed.putFile(stateTableKey(batchId, table), path)
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
      watermarks,
      tables,
      quarantined,
    },
    written: tables.map((t) => t.key),
  })
  if (!committed) {
    deps.log.info('transform batch already committed by another run; discarded', {
      stage: 'transform',
      batchId,
    })
  }
  return { batchId, committed, rows, quarantinedRows, quarantined, takenRows }
}

/**
 * The lookup table's state after this batch, as a parquet file (returned; uploaded with the batch), and
 * cur_<table> as a view over it. prev_<table> is a view over the previous batch's file: nothing
 * proportional to the table is held in DuckDB's memory. A table this batch did not touch keeps its file.
 */
async function advanceState(
  db: DuckDb,
  processed: ObjectStore,
  needs: SourceNeeds,
  previousBatchId: string | undefined,
  changed: boolean,
): Promise<string> {
  const prev = quoteIdent(`prev_${needs.table}`)
  const cur = quoteIdent(`cur_${needs.table}`)
  let prevPath: string | undefined
  if (previousBatchId === undefined) {
    await db.run(`CREATE VIEW ${prev} AS SELECT * FROM ${quoteIdent(`src_${needs.table}`)} LIMIT 0`)
  } else {
    const key = stateTableKey(previousBatchId, needs.table)
    prevPath = await processed.toLocalFile(key, db.workDir).catch((cause: unknown) => {
      throw new DataError(
        `the transform state ${key} is missing`,
        { batchId: previousBatchId, key },
        { cause },
      )
    })
    await db.run(`CREATE VIEW ${prev} AS SELECT * FROM ${readParquetSql(prevPath)}`)
  }
  if (prevPath !== undefined && !changed) {
    await db.run(`CREATE VIEW ${cur} AS SELECT * FROM ${prev}`)
    return prevPath
  }
  const batchPath = `${db.workDir}/batch-${needs.table}.parquet`
  await db.run(`COPY (${toBatchLatestSql(needs)}) TO ${sqlString(batchPath)} (${SCRATCH_PARQUET})`)
  await db.run(
    `CREATE VIEW ${quoteIdent(`batch_${needs.table}`)} AS SELECT * FROM ${readParquetSql(batchPath)}`,
  )
  const next = `${db.workDir}/state-${needs.table}.parquet`
  await db.run(`COPY (${toNextStateSql(needs)}) TO ${sqlString(next)} (${KEPT_PARQUET})`)
  await db.run(`CREATE VIEW ${cur} AS SELECT * FROM ${readParquetSql(next)}`)
  return next
}

/**
 * Writes a model straight to its parquet file; returns its row count. Nothing proportional to the batch
 * stays in DuckDB's memory (a dimension's sort spills to disk past the memory limit).
 */
async function writeModel(db: DuckDb, model: Model): Promise<number> {
  const path = modelPath(db, model.table)
  // Dimensions are sorted by key (one row per key, easy to scan by id); facts, the bulk of a batch, are
  // not: the sort held ~25 MB more per 250k rows and neither the load nor the warehouse needs the order.
  const order =
    WAREHOUSE_CATALOGUE[model.table].kind === 'fact'
      ? ''
      : ` ORDER BY ${WAREHOUSE_CATALOGUE[model.table].key.map(quoteIdent).join(', ')}`
  return db.run(`COPY (${toTypedModelSql(model)}${order}) TO ${sqlString(path)} (${KEPT_PARQUET})`)
}

function modelPath(db: DuckDb, table: WarehouseTable): string {
  return `${db.workDir}/${table}.parquet`
}

/** The earliest and latest date any fact row of this batch references. */
async function factDateSpan(db: DuckDb): Promise<{ lo: string | null; hi: string | null }> {
  const parts = FACT_MODELS.flatMap((m) =>
    m.columns
      .filter((c) => c.type === 'date')
      .map((c) => `SELECT ${quoteIdent(c.name)} AS d FROM ${readParquetSql(modelPath(db, m.table))}`),
  )
  const [span] = await db.rows<{ lo: string | null; hi: string | null }>(
    `SELECT CAST(min(d) AS VARCHAR) AS lo, CAST(max(d) AS VARCHAR) AS hi FROM (${parts.join(' UNION ALL ')})`,
  )
  return { lo: span?.lo ?? null, hi: span?.hi ?? null }
}
