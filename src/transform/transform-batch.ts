/**
 * Transforms one ingestion batch into one processed batch, all inside DuckDB (CSV → checks → models →
 * parquet): no row passes through JS. Order: schema check per table, stage + row checks, lookup state,
 * fact models, dim_date, dimension models, parquet files, state, then the processed manifest (the commit).
 */
import { manifestKey, newAttemptId, toPartitionedKey } from '../core/batch-id.ts'
import type { SourceTable } from '../core/catalogue.ts'
import { DataError } from '../core/errors.ts'
import type { IngestionManifest, IngestionTableEntry } from '../core/ingestion-manifest.ts'
import {
  PROCESSED_FORMAT,
  type ProcessedTableEntry,
  toProcessedManifestJson,
} from '../core/processed-manifest.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_CATALOGUE, WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import { type DuckDb, openDuckDb, readParquetSql, sqlString } from '../io/duckdb.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import { isoCurrencyNames } from './currency-names.ts'
import { DIM_MODELS, dimDate, FACT_MODELS } from './models/index.ts'
import type { Model } from './models/model.ts'
import { type QuarantineEntry, runWriteQuarantineEntry, toQuarantineEntryId } from './quarantine-store.ts'
import { planSchemaCheck, runReadSchema, runRegisterSchema } from './schema-registry.ts'
import { SOURCE_NEEDS, type SourceNeeds } from './source-needs.ts'
import {
  toBatchLatestSql,
  toNextStateSql,
  toReferenceCheckedSql,
  toRowCheckedSql,
  toSourceViewSql,
  toTypedModelSql,
} from './stage-sql.ts'
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
}

const TIMESTAMP_FORMAT = "'%Y-%m-%d %H:%M:%S.%g'"

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
  const watermarks: Partial<Record<SourceTable, string>> = {}
  const statePaths = new Map<SourceTable, string>()
  for (const needs of SOURCE_NEEDS) {
    const entry = duplicateReplay
      ? undefined
      : manifest.tables.find((t) => t.table === needs.table && t.key !== null && t.rows > 0)
    let sourceNames: ReadonlyMap<string, string> | undefined
    if (entry) {
      const staged = await stageTable(db, deps, manifest, needs, entry)
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
      const [w] = await db.rows<{ w: string | null }>(
        `SELECT strftime(max(last_updated), ${TIMESTAMP_FORMAT}) AS w FROM ${quoteIdent(`src_${needs.table}`)}`,
      )
      if (w?.w) watermarks[needs.table] = w.w
    }
  }

  const rows = Object.fromEntries(WAREHOUSE_TABLES.map((t) => [t, 0])) as Record<WarehouseTable, number>
  for (const model of FACT_MODELS) rows[model.table] = await writeModel(db, model)
  const span = await factDateSpan(db)
  const range = planDateRange(previous, span)
  await db.run('CREATE TABLE date_span (lo DATE, hi DATE)')
  if (range.emit)
    await db.run('INSERT INTO date_span VALUES (CAST($1 AS DATE), CAST($2 AS DATE))', [range.lo, range.hi])
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

  const committed = await deps.processed.createIfAbsent(
    manifestKey(batchId),
    toProcessedManifestJson({
      format: PROCESSED_FORMAT,
      batchId,
      sourceCreatedAt: manifest.createdAt,
      watermarks,
      tables,
      quarantined,
    }),
  )
  if (!committed) {
    // Another run committed this batch: its files are the batch; ours (other attempt id) go.
    for (const t of tables) if (t.key) await deps.processed.delete(t.key)
    deps.log.info('transform batch already committed by another run; discarded', {
      stage: 'transform',
      batchId,
    })
  }
  return { batchId, committed, rows, quarantinedRows, quarantined }
}

/** Reference data the checks and models join: ISO 4217 names, the registry's allowed enum labels. */
async function createReferenceTables(db: DuckDb): Promise<void> {
  await db.run('CREATE TABLE iso_currency (code VARCHAR, name VARCHAR)')
  await db.run('CREATE TABLE allowed_values (source_table VARCHAR, source_column VARCHAR, value VARCHAR)')
  const names = isoCurrencyNames()
  const placeholders = names.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')
  await db.run(`INSERT INTO iso_currency VALUES ${placeholders}`, names.flat())
}

/** Checks a table's slice against the registry and its rows against the needs; quarantines what fails. */
async function stageTable(
  db: DuckDb,
  deps: TransformDeps,
  manifest: IngestionManifest,
  needs: SourceNeeds,
  entry: IngestionTableEntry,
): Promise<{ sourceNames: ReadonlyMap<string, string> | undefined; entry: QuarantineEntry | undefined }> {
  const { batchId } = manifest
  const table = needs.table
  const schema = await runReadSchema(deps.ingestion, table)
  const check = planSchemaCheck(schema, entry.columns, needs, batchId)
  if (check.verdict === 'blocked') {
    const held: QuarantineEntry = {
      id: toQuarantineEntryId(batchId, table, 'table'),
      batchId,
      table,
      level: 'table',
      reason: check.problems.join('; '),
      reasons: [{ reason: check.problems.join('; '), rows: entry.rows }],
      rows: entry.rows,
      dataKey: entry.key ?? '',
      bytes: entry.bytes,
      sha256: entry.sha256,
      columns: entry.columns,
      schemaFingerprint: entry.schemaFingerprint,
      minLastUpdated: entry.minLastUpdated,
      maxLastUpdated: entry.maxLastUpdated,
      sample: [],
    }
    await runWriteQuarantineEntry(deps.ingestion, held)
    deps.log.alert('source table slice quarantined: schema drift', {
      stage: 'transform',
      batchId,
      table,
      rows: entry.rows,
      entryId: held.id,
      problems: check.problems,
    })
    return { sourceNames: undefined, entry: held }
  }
  if (check.next) {
    const version = await runRegisterSchema(deps.ingestion, check.next)
    deps.log.warn('source schema drifted compatibly; new schema version registered', {
      stage: 'transform',
      batchId,
      table,
      version: version.version,
      changes: check.changes,
    })
  }
  for (const c of schema.columns) {
    for (const value of c.values ?? []) {
      const name = schema.renames[c.name] ?? c.name
      await db.run('INSERT INTO allowed_values VALUES ($1, $2, $3)', [table, name, value])
    }
  }
  const path = await deps.ingestion.toLocalFile(entry.key ?? '', db.workDir)
  await stageRaw(db, needs, path, entry, check.sourceNames)
  const raw = quoteIdent(`raw_${table}`)
  const [counts] = await db.rows<{ total: number; bad: number }>(
    `SELECT CAST(count(*) AS INTEGER) AS total, CAST(count(_reason) AS INTEGER) AS bad FROM ${raw}`,
  )
  if (counts?.total !== entry.rows) {
    throw new DataError(
      `batch ${batchId} table ${table}: the file has ${counts?.total} rows, the manifest says ${entry.rows}`,
      { batchId, table, key: entry.key ?? undefined },
    )
  }
  if (counts.bad === 0) return { sourceNames: check.sourceNames, entry: undefined }
  const held = await writeHeldRows(db, deps, manifest, needs, entry, check.sourceNames)
  deps.log.alert('source rows quarantined', {
    stage: 'transform',
    batchId,
    table,
    rows: held.rows,
    entryId: held.id,
    reasons: held.reasons,
  })
  return { sourceNames: check.sourceNames, entry: held }
}

/** Writes the failed rows of raw_<table> as an ingestion-format CSV plus their quarantine entry. */
async function writeHeldRows(
  db: DuckDb,
  deps: TransformDeps,
  manifest: IngestionManifest,
  needs: SourceNeeds,
  entry: IngestionTableEntry,
  sourceNames: ReadonlyMap<string, string>,
): Promise<QuarantineEntry> {
  const { batchId } = manifest
  const table = needs.table
  const raw = quoteIdent(`raw_${table}`)
  const id = toQuarantineEntryId(batchId, table, 'rows')
  const columns = entry.columns.map((c) => quoteIdent(c.name)).join(', ')
  const select = `SELECT ${columns} FROM ${raw} WHERE _reason IS NOT NULL`
  const csv = `${db.workDir}/${id}.csv`
  await db.run(`COPY (${select}) TO ${sqlString(csv)} (FORMAT csv, HEADER true)`)
  await db.run(`COPY (${select}) TO ${sqlString(`${csv}.gz`)} (FORMAT csv, HEADER true, COMPRESSION gzip)`)
  const { sha256 } = await db.fileDigest(csv)
  const { bytes } = await db.fileDigest(`${csv}.gz`)
  const dataKey = `_quarantine/${batchId}/${table}/${id}.csv.gz`
  await deps.ingestion.putFile(dataKey, `${csv}.gz`)
  const reasons = await db.rows<{ reason: string; rows: number }>(
    `SELECT _reason AS reason, CAST(count(*) AS INTEGER) AS rows FROM ${raw} WHERE _reason IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
  )
  const sample = await db.rows<Record<string, string | null>>(
    `SELECT * FROM ${raw} WHERE _reason IS NOT NULL LIMIT 20`,
  )
  const lu = quoteIdent(sourceNames.get('last_updated') ?? 'last_updated')
  const [span] = await db.rows<{ lo: string | null; hi: string | null }>(
    `SELECT strftime(min(TRY_CAST(${lu} AS TIMESTAMP)), ${TIMESTAMP_FORMAT}) AS lo,
            strftime(max(TRY_CAST(${lu} AS TIMESTAMP)), ${TIMESTAMP_FORMAT}) AS hi
     FROM ${raw} WHERE _reason IS NOT NULL`,
  )
  const rows = reasons.reduce((n, r) => n + r.rows, 0)
  const held: QuarantineEntry = {
    id,
    batchId,
    table,
    level: 'rows',
    reason: reasons.map((r) => `${r.reason} (${r.rows})`).join('; '),
    reasons,
    rows,
    dataKey,
    bytes,
    sha256,
    columns: entry.columns,
    schemaFingerprint: entry.schemaFingerprint,
    minLastUpdated: span?.lo ?? null,
    maxLastUpdated: span?.hi ?? null,
    sample,
  }
  await runWriteQuarantineEntry(deps.ingestion, held)
  return held
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
 * Writes a model straight to its parquet file and creates out_<table> as a view over it; returns its row
 * count. Nothing proportional to the batch stays in DuckDB's memory (a dimension's sort spills to disk
 * past the memory limit).
 */
async function writeModel(db: DuckDb, model: Model): Promise<number> {
  const path = modelPath(db, model.table)
  // Dimensions are sorted by key (one row per key, easy to scan by id); facts, the bulk of a batch, are
  // not: the sort held ~25 MB more per 250k rows and neither the load nor the warehouse needs the order.
  const order = model.table.startsWith('fact_')
    ? ''
    : ` ORDER BY ${WAREHOUSE_CATALOGUE[model.table].key.map(quoteIdent).join(', ')}`
  const rows = await db.run(
    `COPY (${toTypedModelSql(model)}${order}) TO ${sqlString(path)} (${KEPT_PARQUET})`,
  )
  await db.run(`CREATE VIEW ${quoteIdent(`out_${model.table}`)} AS SELECT * FROM ${readParquetSql(path)}`)
  return rows
}

function modelPath(db: DuckDb, table: WarehouseTable): string {
  return `${db.workDir}/${table}.parquet`
}

/**
 * raw_<table>: the batch file's rows as text with `_reason`, the first problem found, as a view over a
 * scratch parquet file (row checks, then reference checks in a second pass when the table has any).
 */
async function stageRaw(
  db: DuckDb,
  needs: SourceNeeds,
  csvPath: string,
  entry: IngestionTableEntry,
  sourceNames: ReadonlyMap<string, string>,
): Promise<void> {
  const table = needs.table
  const rowChecked = toRowCheckedSql(needs, csvPath, entry.columns, sourceNames)
  const checkedView = `checked_${table}`
  const referenceChecked = toReferenceCheckedSql(needs, checkedView, sourceNames)
  const rawPath = `${db.workDir}/raw-${table}.parquet`
  if (referenceChecked === undefined) {
    await db.run(`COPY (${rowChecked}) TO ${sqlString(rawPath)} (${SCRATCH_PARQUET})`)
  } else {
    const checkedPath = `${db.workDir}/checked-${table}.parquet`
    await db.run(`COPY (${rowChecked}) TO ${sqlString(checkedPath)} (${SCRATCH_PARQUET})`)
    await db.run(`CREATE VIEW ${quoteIdent(checkedView)} AS SELECT * FROM ${readParquetSql(checkedPath)}`)
    await db.run(`COPY (${referenceChecked}) TO ${sqlString(rawPath)} (${SCRATCH_PARQUET})`)
  }
  await db.run(`CREATE VIEW ${quoteIdent(`raw_${table}`)} AS SELECT * FROM ${readParquetSql(rawPath)}`)
}

/**
 * DuckDB's parquet writer holds whole row groups in memory (outside memory_limit, several per thread):
 * 16k-row groups instead of the default 122,880 kept a 250k-row staging pass of text columns within a
 * 64MB limit. Files kept (models, state) use zstd; scratch files, read once or twice, snappy.
 */
const ROW_GROUP_ROWS = 16_384
const KEPT_PARQUET = `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}`
const SCRATCH_PARQUET = `FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}`

/** The earliest and latest date any fact row of this batch references. */
async function factDateSpan(db: DuckDb): Promise<{ lo: string | null; hi: string | null }> {
  const parts = FACT_MODELS.flatMap((m) =>
    m.columns
      .filter((c) => c.type === 'date')
      .map((c) => `SELECT ${quoteIdent(c.name)} AS d FROM ${quoteIdent(`out_${m.table}`)}`),
  )
  const [span] = await db.rows<{ lo: string | null; hi: string | null }>(
    `SELECT CAST(min(d) AS VARCHAR) AS lo, CAST(max(d) AS VARCHAR) AS hi FROM (${parts.join(' UNION ALL ')})`,
  )
  return { lo: span?.lo ?? null, hi: span?.hi ?? null }
}
