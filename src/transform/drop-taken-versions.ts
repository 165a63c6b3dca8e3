/**
 * The lake is at-least-once: a version of a source row (its table, primary key, last_updated and the
 * values the transform uses) can stand in more than one ingestion batch (an extract whose lag was narrowed and then widened reads again what it
 * had taken; a manifest removed by an operator is re-extracted). The transform takes each version once,
 * from the first batch that holds it: a row of this batch whose version an earlier batch already holds is
 * dropped before any check or model sees it, so no version reaches the processed store (or the warehouse)
 * twice. Replay batches are exempt: they re-submit versions held back on purpose, exactly once. A row
 * with a taken key but other values (the source changed a row within one millisecond) is not a copy: it
 * goes through, and the lookup state keeps it as the newer version.
 *
 * Only rows stamped at or below the table's cursor before this batch can have been taken; the earlier
 * batches searched are those whose [min, max] last_updated overlaps theirs, walking back until a batch's
 * cursor is older than the oldest of them. An ordinary batch has no such row, or a few near its lag.
 */
import type { IngestionManifest, IngestionTableEntry } from '../core/manifests/ingestion.ts'
import type { SourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import type { DuckDb } from '../io/duckdb.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import type { EarlierBatches } from './earlier-batches.ts'
import { runCheckLakeFile } from './run-check-lake-file.ts'
import type { SourceNeeds } from './source-needs.ts'
import { toReadCsvSql } from './stage-sql.ts'

const toMs = (stamp: string) => Date.parse(`${stamp.replace(' ', 'T')}Z`)

type Deps = { readonly ingestion: ObjectStore; readonly log: Log }

/** The suspects' span: the min and max last_updated of the batch's rows at or below the cursor before. */
interface Span {
  readonly lo: string
  readonly hi: string
}

/** An earlier batch's file of the table whose span overlaps the suspects'. */
interface EarlierFile {
  readonly batchId: string
  readonly entry: IngestionTableEntry & { key: string }
}

/**
 * Redefines `raw_<table>` (over `rawRelation`, its scratch file or in-memory table) without the rows whose version an earlier
 * batch holds; returns how many were dropped.
 */
export async function runDropTakenVersions(
  db: DuckDb,
  deps: Deps,
  input: {
    readonly manifest: IngestionManifest
    readonly needs: SourceNeeds
    readonly sourceNames: ReadonlyMap<string, string>
    readonly rawRelation: string
    readonly earlier: EarlierBatches
  },
): Promise<number> {
  const { manifest, needs, sourceNames, earlier } = input
  if (manifest.replayOf?.length) return 0
  const table = needs.table
  const pk = quoteIdent(sourceNames.get(needs.primaryKey) ?? needs.primaryKey)
  const lu = quoteIdent(sourceNames.get('last_updated') ?? 'last_updated')
  const raw = quoteIdent(`raw_${table}`)

  const hiBefore = await runCursorBefore(earlier, table)
  if (hiBefore === null) return 0
  const suspects = await runSuspectSpan(db, raw, lu, hiBefore)
  if (suspects === null) return 0
  const files = await runFindEarlierFiles(earlier, table, suspects)
  if (files.length === 0) return 0

  const taken = quoteIdent(`taken_${table}`)
  await db.run(`CREATE TABLE ${taken} (pk VARCHAR, lu VARCHAR, h VARCHAR)`)
  for (const file of files) await runLoadTaken(db, deps, input, taken, file, suspects)
  const h = toValuesHashSql(needs, (need) => sourceNames.get(need) ?? need, 'r.')
  // SEMI and ANTI joins hash the taken versions (few) and stream the batch past them. The same test as a
  // correlated (NOT) EXISTS was decorrelated into a join that held every row of the batch with its hash
  // columns: out of memory at 64MB on a 250k-row payment batch (a first load at 100×, issue 16).
  const match = `${taken} t ON t.pk = r.${pk} AND t.lu = r.${lu} AND t.h = ${h}`
  const kept = `SELECT r.* FROM ${input.rawRelation} r ANTI JOIN ${match}`
  const [count] = await db.rows<{ n: number }>(
    `SELECT CAST(count(*) AS INTEGER) AS n FROM ${input.rawRelation} r SEMI JOIN ${match}`,
  )
  const dropped = count?.n ?? 0
  if (dropped === 0) return 0
  await db.run(`CREATE OR REPLACE VIEW ${raw} AS ${kept}`)
  deps.log.warn('versions already in the lake skipped (the lake is at-least-once)', {
    stage: 'transform',
    batchId: manifest.batchId,
    table,
    rows: dropped,
    earlierBatches: files.map((f) => f.batchId),
  })
  return dropped
}

/** The table's cursor before this batch (the newest earlier batch's): no row above it can be taken. */
async function runCursorBefore(earlier: EarlierBatches, table: SourceTable): Promise<string | null> {
  let hiBefore: string | null = null
  for await (const m of earlier.newestFirst()) {
    hiBefore = m.cursors[table]?.hi ?? null
    break
  }
  return hiBefore
}

async function runSuspectSpan(db: DuckDb, raw: string, lu: string, hiBefore: string): Promise<Span | null> {
  const [suspects] = await db.rows<{ lo: string | null; hi: string | null }>(
    `SELECT CAST(min(TRY_CAST(${lu} AS TIMESTAMP)) AS VARCHAR) AS lo, CAST(max(TRY_CAST(${lu} AS TIMESTAMP)) AS VARCHAR) AS hi
     FROM ${raw} WHERE TRY_CAST(${lu} AS TIMESTAMP) <= CAST($1 AS TIMESTAMP)`,
    [hiBefore],
  )
  if (!suspects?.lo || !suspects.hi) return null
  return { lo: suspects.lo, hi: suspects.hi }
}

/** Walks back until a batch's cursor is older than the oldest suspect; replay batches are skipped. */
async function runFindEarlierFiles(
  earlier: EarlierBatches,
  table: SourceTable,
  suspects: Span,
): Promise<EarlierFile[]> {
  const lo = toMs(suspects.lo)
  const hi = toMs(suspects.hi)
  const files: EarlierFile[] = []
  for await (const m of earlier.newestFirst()) {
    const cursor = m.cursors[table]?.hi ?? null
    if (cursor === null || toMs(cursor) < lo) break
    if (m.replayOf?.length) continue
    const entry = m.tables.find((t) => t.table === table)
    if (!entry?.key || entry.rows === 0 || !entry.minLastUpdated || !entry.maxLastUpdated) continue
    if (toMs(entry.maxLastUpdated) < lo || toMs(entry.minLastUpdated) > hi) continue
    files.push({ batchId: m.batchId, entry: { ...entry, key: entry.key } })
  }
  return files
}

/**
 * Adds an earlier file's versions within the suspects' span to `taken`: key, last_updated and the hash
 * of the needed values, under the names that file has (the registry's or the catalogue's).
 */
async function runLoadTaken(
  db: DuckDb,
  deps: Deps,
  input: { readonly needs: SourceNeeds; readonly sourceNames: ReadonlyMap<string, string> },
  taken: string,
  { batchId, entry }: EarlierFile,
  suspects: Span,
): Promise<void> {
  const { needs, sourceNames } = input
  const table = needs.table
  const names = new Set(entry.columns.map((c) => c.name))
  const pick = (named: string, catalogue: string) =>
    names.has(named) ? named : names.has(catalogue) ? catalogue : undefined
  const p = pick(sourceNames.get(needs.primaryKey) ?? needs.primaryKey, needs.primaryKey)
  const l = pick(sourceNames.get('last_updated') ?? 'last_updated', 'last_updated')
  if (!p || !l) {
    deps.log.warn('an earlier batch file lacks the key columns; its versions are not compared', {
      stage: 'transform',
      batchId,
      table,
      key: entry.key,
    })
    return
  }
  const path = await deps.ingestion.toLocalFile(entry.key, db.workDir)
  await runCheckLakeFile(
    path,
    { key: entry.key, batchId, table, expected: entry.sha256 },
    { store: deps.ingestion.description, stage: 'transform', log: deps.log },
  )
  const h = toValuesHashSql(needs, (need) => pick(sourceNames.get(need) ?? need, need))
  await db.run(
    `INSERT INTO ${taken} SELECT ${quoteIdent(p)}, ${quoteIdent(l)}, ${h} FROM ${toReadCsvSql(path, entry.columns)}
     WHERE TRY_CAST(${quoteIdent(l)} AS TIMESTAMP) BETWEEN CAST($1 AS TIMESTAMP) AND CAST($2 AS TIMESTAMP)`,
    [suspects.lo, suspects.hi],
  )
}

/** A hash of the needed values of a row as text (a column `nameOf` cannot find counts as NULL). */
function toValuesHashSql(
  needs: SourceNeeds,
  nameOf: (need: string) => string | undefined,
  prefix = '',
): string {
  const values = needs.columns.map((c) => {
    const name = nameOf(c.name)
    return name === undefined ? 'chr(30)' : `coalesce(${prefix}${quoteIdent(name)}, chr(30))`
  })
  return `md5(concat_ws(chr(31), ${values.join(', ')}))`
}
