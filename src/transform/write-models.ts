/**
 * A batch's models written straight to their parquet files (the processed tables): the facts, dim_date
 * over the days the facts' range gained, then the dimensions. Only the models the batch can give a row run.
 */
import type { SourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_CATALOGUE, WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import { type DuckDb, readParquetSql, sqlString } from '../io/duckdb.ts'
import { DIM_MODELS, dimDate, FACT_MODELS } from './models/index.ts'
import type { Model } from './models/model.ts'
import { KEPT_PARQUET, toTypedModelSql } from './stage-sql.ts'
import { planDateRange, type StateMeta } from './transform-state.ts'

/**
 * The fact models, dim_date over the facts' days (and the state's range), then the dimensions. A model
 * none of whose source tables this batch staged has no row to give and is not run (Model.drivenBy), nor
 * is dim_date when the range gained no day: a batch of payments alone runs one model, not eleven.
 */
export async function writeModels(
  db: DuckDb,
  previous: StateMeta,
  staged: ReadonlySet<SourceTable>,
): Promise<{ rows: Record<WarehouseTable, number>; range: ReturnType<typeof planDateRange> }> {
  const rows = Object.fromEntries(WAREHOUSE_TABLES.map((t) => [t, 0])) as Record<WarehouseTable, number>
  const runs = (model: Model) => model.drivenBy.some((table) => staged.has(table))
  const facts = FACT_MODELS.filter(runs)
  for (const model of facts) rows[model.table] = await writeModel(db, model)
  const range = planDateRange(previous, await factDateSpan(db, facts))
  if (range.spans.length > 0) {
    const spans = range.spans.map((_, i) => `(CAST($${2 * i + 1} AS DATE), CAST($${2 * i + 2} AS DATE))`)
    await db.run('CREATE TABLE date_span (lo DATE, hi DATE)')
    await db.run(
      `INSERT INTO date_span VALUES ${spans.join(', ')}`,
      range.spans.flatMap((span) => [span.lo, span.hi]),
    )
    rows.dim_date = await writeModel(db, dimDate)
  }
  for (const model of DIM_MODELS.filter(runs)) rows[model.table] = await writeModel(db, model)
  return { rows, range }
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

export function modelPath(db: DuckDb, table: WarehouseTable): string {
  return `${db.workDir}/${table}.parquet`
}

/** The earliest and latest date any fact row of this batch references (`facts`: the models written). */
async function factDateSpan(
  db: DuckDb,
  facts: readonly Model[],
): Promise<{ lo: string | null; hi: string | null }> {
  const parts = facts.flatMap((m) =>
    m.columns
      .filter((c) => c.type === 'date')
      .map((c) => `SELECT ${quoteIdent(c.name)} AS d FROM ${readParquetSql(modelPath(db, m.table))}`),
  )
  if (parts.length === 0) return { lo: null, hi: null }
  const [span] = await db.rows<{ lo: string | null; hi: string | null }>(
    `SELECT CAST(min(d) AS VARCHAR) AS lo, CAST(max(d) AS VARCHAR) AS hi FROM (${parts.join(' UNION ALL ')})`,
  )
  return { lo: span?.lo ?? null, hi: span?.hi ?? null }
}
