/**
 * One source table's slice of a batch, staged inside DuckDB: checked against the schema registry (a
 * drifted slice is quarantined whole), its rows checked (a failed row is quarantined with its reason), and
 * exposed as `raw_<table>` (every row as text with `_reason`) over scratch parquet files.
 */

import { DataError } from '../core/errors.ts'
import type { IngestionManifest, IngestionTableEntry } from '../core/manifests/ingestion.ts'
import type { SourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { toHoldableTimestampSql } from '../core/warehouse-values.ts'
import { type DuckDb, readParquetSql, sqlString } from '../io/duckdb.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import { isoCurrencyNames } from './currency-names.ts'
import { runDropTakenVersions } from './drop-taken-versions.ts'
import type { EarlierBatches } from './earlier-batches.ts'
import { type QuarantineEntry, runWriteQuarantineEntry, toQuarantineEntryId } from './quarantine-store.ts'
import { runCheckLakeFile } from './run-check-lake-file.ts'
import { planSchemaCheck, runReadSchema, runRegisterSchema, type SchemaVersion } from './schema-registry.ts'
import type { SourceNeeds } from './source-needs.ts'
import {
  SCRATCH_PARQUET,
  TIMESTAMP_FORMAT,
  toReferenceCheckedSql,
  toReferenceOverlaySql,
  toReferenceProblemsSql,
  toRowCheckedSql,
} from './stage-sql.ts'

/** What staging a table needs: the ingestion store (files, registry, quarantine) and the log. */
export interface StageDeps {
  readonly ingestion: ObjectStore
  readonly log: Log
}

/**
 * Reference data the checks and models join: the registry's allowed enum labels, and, with `isoCurrency`
 * (a batch that stages the currency table: its rows' check and dim_currency, the only model driven by
 * it, are all that read them), ISO 4217 names. Most batches touch no currency: the ~180 names cost a
 * statement of 4–10 ms a batch on this machine under load (Finding 13).
 */
export async function createReferenceTables(
  db: DuckDb,
  options: { readonly isoCurrency: boolean },
): Promise<void> {
  const allowed = 'CREATE TABLE allowed_values (source_table VARCHAR, source_column VARCHAR, value VARCHAR)'
  if (!options.isoCurrency) return void (await db.run(allowed))
  // Literals, in one call with the DDL: binding ~360 parameters cost more than the rest of it.
  const names = isoCurrencyNames().map(([code, name]) => `(${sqlString(code)}, ${sqlString(name)})`)
  await db.run(`CREATE TABLE iso_currency (code VARCHAR, name VARCHAR);
    INSERT INTO iso_currency VALUES ${names.join(', ')};
    ${allowed}`)
}

/** What staging one table's slice gives the transform. */
interface StagedTable {
  sourceNames: ReadonlyMap<string, string> | undefined
  entry: QuarantineEntry | undefined
  /** Rows dropped because an earlier batch holds their version (see drop-taken-versions.ts). */
  taken: number
}

/** Checks a table's slice against the registry and its rows against the needs; quarantines what fails. */
export async function stageTable(
  db: DuckDb,
  deps: StageDeps,
  manifest: IngestionManifest,
  needs: SourceNeeds,
  entry: IngestionTableEntry,
  earlier: EarlierBatches,
): Promise<StagedTable> {
  const { batchId } = manifest
  const table = needs.table
  const schema = await runReadSchema(deps.ingestion, table)
  const check = planSchemaCheck(schema, entry.columns, needs, batchId)
  if (check.verdict === 'blocked') return runQuarantineSlice(deps, batchId, entry, table, check.problems)
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
  await runInsertAllowedValues(db, table, schema)
  const key = entry.key ?? ''
  const path = await deps.ingestion.toLocalFile(key, db.workDir)
  // The copy DuckDB reads is the one checked: nothing unchecked reaches a model.
  await runCheckLakeFile(
    path,
    { key, batchId, table, expected: entry.sha256 },
    { store: deps.ingestion.description, stage: 'transform', log: deps.log },
  )
  const rawRelation = await stageRaw(db, needs, path, entry, check.sourceNames)
  const failed = await checkRowCount(db, batchId, entry, table)
  const taken = await runDropTakenVersions(db, deps, {
    manifest,
    needs,
    sourceNames: check.sourceNames,
    rawRelation,
    earlier,
  })
  // Rows dropped as taken may have been failed ones: then count again.
  const raw = quoteIdent(`raw_${table}`)
  const bad =
    taken === 0
      ? failed
      : (await db.rows<{ n: number }>(`SELECT CAST(count(_reason) AS INTEGER) AS n FROM ${raw}`))[0]?.n
  if (!bad) return { sourceNames: check.sourceNames, entry: undefined, taken }
  const held = await writeHeldRows(db, deps, manifest, needs, entry, check.sourceNames)
  deps.log.alert('source rows quarantined', {
    stage: 'transform',
    batchId,
    table,
    rows: held.rows,
    entryId: held.id,
    reasons: held.reasons,
  })
  return { sourceNames: check.sourceNames, entry: held, taken }
}

/** A slice whose columns drifted incompatibly is held whole: its file is not read at all. */
async function runQuarantineSlice(
  deps: StageDeps,
  batchId: string,
  entry: IngestionTableEntry,
  table: SourceTable,
  problems: readonly string[],
): Promise<StagedTable> {
  const held: QuarantineEntry = {
    id: toQuarantineEntryId(batchId, table, 'table'),
    batchId,
    table,
    level: 'table',
    reason: problems.join('; '),
    reasons: [{ reason: problems.join('; '), rows: entry.rows }],
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
    problems,
  })
  return { sourceNames: undefined, entry: held, taken: 0 }
}

/** The registry's enum labels of the table, under the names the models use, for the row checks. */
async function runInsertAllowedValues(db: DuckDb, table: string, schema: SchemaVersion): Promise<void> {
  const rows = schema.columns.flatMap((c) =>
    (c.values ?? []).map((value) => [table, schema.renames[c.name] ?? c.name, value]),
  )
  if (rows.length === 0) return
  const values = rows.map((_, i) => `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`)
  await db.run(`INSERT INTO allowed_values VALUES ${values.join(', ')}`, rows.flat())
}

/**
 * A file that holds other than the manifest's row count is not the file the extract wrote. Returns how
 * many of its rows failed a check (counted in the same pass).
 */
async function checkRowCount(
  db: DuckDb,
  batchId: string,
  entry: IngestionTableEntry,
  table: string,
): Promise<number> {
  const raw = quoteIdent(`raw_${table}`)
  const [counts] = await db.rows<{ total: number; failed: number }>(
    `SELECT CAST(count(*) AS INTEGER) AS total, CAST(count(_reason) AS INTEGER) AS failed FROM ${raw}`,
  )
  if (counts?.total !== entry.rows) {
    throw new DataError(
      `batch ${batchId} table ${table}: the file has ${counts?.total} rows, the manifest says ${entry.rows}`,
      { batchId, table, key: entry.key ?? undefined },
    )
  }
  return counts.failed
}

/** Writes the failed rows of raw_<table> as an ingestion-format CSV plus their quarantine entry. */
async function writeHeldRows(
  db: DuckDb,
  deps: StageDeps,
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
    `SELECT strftime(min(${toHoldableTimestampSql(lu)}), ${TIMESTAMP_FORMAT}) AS lo,
            strftime(max(${toHoldableTimestampSql(lu)}), ${TIMESTAMP_FORMAT}) AS hi
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
 * Up to this many rows (one row group) a batch's checked rows are kept as a table in DuckDB's memory,
 * the row and reference checks in one statement: writing a scratch parquet file and reading it back cost
 * more than the checks (a 1k-row slice: ~30 % of the transform). Past it, they go through scratch files in
 * two passes, so the batch is never held in memory (Finding 5 in docs/BENCHMARKS.md).
 */
const IN_MEMORY_ROWS = 16_384

/**
 * raw_<table>: the batch file's rows as text with `_reason`, the first problem found (row checks, then
 * reference checks when the table has any), as a view; returns the relation it was defined over (the
 * in-memory table of a small batch; else the checked scratch file, with the reference problems overlaid).
 */
async function stageRaw(
  db: DuckDb,
  needs: SourceNeeds,
  csvPath: string,
  entry: IngestionTableEntry,
  sourceNames: ReadonlyMap<string, string>,
): Promise<string> {
  const table = needs.table
  const rowChecked = toRowCheckedSql(needs, csvPath, entry.columns, sourceNames)
  const checkedView = `checked_${table}`
  if (entry.rows <= IN_MEMORY_ROWS) {
    const relation = quoteIdent(`checked_rows_${table}`)
    const referenceChecked = toReferenceCheckedSql(needs, checkedView, sourceNames)
    const sql =
      referenceChecked === undefined
        ? rowChecked
        : `WITH ${quoteIdent(checkedView)} AS MATERIALIZED (${rowChecked}) ${referenceChecked}`
    await db.run(`CREATE TABLE ${relation} AS ${sql}`)
    return defineRaw(db, table, relation)
  }
  const checkedPath = `${db.workDir}/checked-${table}.parquet`
  await db.run(`COPY (${rowChecked}) TO ${sqlString(checkedPath)} (${SCRATCH_PARQUET})`)
  const problems = toReferenceProblemsSql(needs, checkedView, sourceNames)
  if (problems === undefined) return defineRaw(db, table, readParquetSql(checkedPath))
  // The reference checks write only the rows they fail (usually none), each by its position in the
  // checked file, and raw_ overlays them: the batch is not written a second time (Finding 10).
  await db.run(
    `CREATE VIEW ${quoteIdent(checkedView)} AS SELECT * FROM ${readParquetSql(checkedPath, { fileRowNumber: true })}`,
  )
  const problemsPath = `${db.workDir}/problems-${table}.parquet`
  await db.run(`COPY (${problems}) TO ${sqlString(problemsPath)} (${SCRATCH_PARQUET})`)
  const relation = quoteIdent(`referenced_${table}`)
  await db.run(
    `CREATE VIEW ${relation} AS ${toReferenceOverlaySql(checkedView, readParquetSql(problemsPath))}`,
  )
  return defineRaw(db, table, relation)
}

/** raw_<table> over `relation`, which is returned. */
async function defineRaw(db: DuckDb, table: string, relation: string): Promise<string> {
  await db.run(`CREATE VIEW ${quoteIdent(`raw_${table}`)} AS SELECT * FROM ${relation}`)
  return relation
}
