/**
 * Before a batch's transaction: fetch each parquet file its manifest lists, check its sha256, columns and
 * row count, and convert it to CSV for COPY. Nothing here touches the warehouse.
 */
import { DataError, type ErrorIds } from '../core/errors.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { ParquetToCsv } from '../io/parquet-to-csv.ts'
import { type LoadManifest, type LoadTable, type LoadTarget, toBatchName } from './load-target.ts'
import { toParquetProblems } from './plan-merge.ts'

export interface StagedFile {
  readonly table: LoadTable
  readonly csvPath: string
  readonly rows: number
}

type Entry = LoadManifest['tables'][number]

/** Fetches, checks (sha256, columns, row count) and converts a batch's parquet files, before any lock is taken. */
export async function runPrepareFiles<M extends LoadManifest>(
  store: ObjectStore,
  scratch: ParquetToCsv,
  target: LoadTarget<M>,
  manifest: M,
  dir: string,
): Promise<StagedFile[]> {
  const declared = new Map(target.tablesOf(manifest).map((t) => [t.merge.name, t]))
  const name = toBatchName(target, manifest.batchId)
  const batch = {
    name,
    advice: target.damagedFileAdvice ? `; ${target.damagedFileAdvice(manifest.batchId)}` : '',
  }
  const staged: StagedFile[] = []
  for (const [index, entry] of manifest.tables.entries()) {
    const ids = { stage: 'load', batchId: manifest.batchId, table: entry.table, key: entry.key ?? undefined }
    const table = declared.get(entry.table)
    if (!table) {
      const owner = target.stream === undefined ? 'catalogue' : 'stream'
      throw new DataError(`${name} names table ${entry.table}, which the ${owner} does not declare`, ids)
    }
    if (entry.key === null || entry.rows === 0) {
      if (entry.rows !== 0)
        throw new DataError(`${name}: ${entry.table} has ${entry.rows} rows but no file`, ids)
      continue
    }
    const csvPath = `${dir}/${index}-${table.merge.name}.csv`
    const local = await store.toLocalFile(entry.key, dir)
    staged.push({
      table,
      csvPath,
      rows: await runCheckAndConvert(scratch, batch, entry, table, local, csvPath, ids),
    })
  }
  return staged
}

/** Checks one parquet file against its manifest entry and table, converts it to CSV; returns its rows. */
async function runCheckAndConvert(
  scratch: ParquetToCsv,
  batch: { readonly name: string; readonly advice: string },
  entry: Entry,
  table: LoadTable,
  local: string,
  csvPath: string,
  ids: ErrorIds,
): Promise<number> {
  const sha256 = await scratch.sha256(local)
  if (sha256 !== entry.sha256) {
    throw new DataError(
      `${batch.name}: ${entry.key} has sha256 ${sha256}, the manifest says ${entry.sha256}${batch.advice}`,
      ids,
    )
  }
  const problems = toParquetProblems(table.parquet, await scratch.describe(local))
  if (problems.length > 0)
    throw new DataError(
      `${batch.name}: ${entry.key} does not fit ${entry.table}: ${problems.join('; ')}`,
      ids,
    )
  const columns = table.merge.columns.map((c) => c.name)
  const rows = await scratch.toCsv(local, columns, csvPath)
  if (rows !== entry.rows)
    throw new DataError(
      `${batch.name}: ${entry.key} holds ${rows} rows, the manifest says ${entry.rows}`,
      ids,
    )
  return rows
}
