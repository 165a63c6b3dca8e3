/**
 * Puts every layer verify could read into DuckDB tables (see duck-tables.ts): the lake's and quarantine's
 * versions per source table, and per warehouse table its warehouse, expected and processed rows.
 */
import { SOURCE_TABLES, type SourceTable } from '../core/source-catalogue.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import type { DuckDb } from '../io/duckdb.ts'
import { isoCurrencyNames } from '../transform/currency-names.ts'
import { runReadCsvHeader } from './csv-header.ts'
import {
  type CsvFile,
  createExpectedSql,
  createProcessedSql,
  createVersionsSql,
  createWarehouseSql,
  heldName,
  lakeName,
} from './duck-tables.ts'
import type { LakeRead } from './read-lake.ts'
import type { QuarantineRead } from './read-quarantine-held.ts'
import type { SourceRead } from './read-source-expected.ts'
import type { WarehouseSnapshot } from './read-warehouse-snapshot.ts'
import type { VerifyProgress } from './verify-progress.ts'

export interface LoadedLayers {
  readonly expected: Set<WarehouseTable>
  readonly warehouse: Set<WarehouseTable>
  readonly processed: Set<WarehouseTable>
  readonly lake: Set<SourceTable>
  readonly lakeVersions: Partial<Record<SourceTable, number>>
  readonly processedDates: number | null
}

interface LayersInput {
  snapshot: WarehouseSnapshot
  source: SourceRead | undefined
  lake: LakeRead | undefined
  quarantine: QuarantineRead | undefined
  progress: VerifyProgress
}

/** Loads every layer that could be read; says which tables of which layer are there. */
export async function runLoadLayers(duck: DuckDb, input: LayersInput): Promise<LoadedLayers> {
  const { snapshot, progress } = input
  await runCreateIsoCurrency(duck)
  const loaded: LoadedLayers = {
    expected: new Set(),
    warehouse: new Set(),
    processed: new Set(),
    lake: new Set(),
    lakeVersions: {},
    processedDates: null,
  }
  await runLoadSourceDeletes(duck, snapshot.deletes)
  progress.phase('layers', SOURCE_TABLES.length + WAREHOUSE_TABLES.length, 'tables')
  await runLoadSourceTables(duck, input, loaded)
  await runLoadWarehouseTables(duck, input, loaded)
  if (loaded.processed.has('dim_date')) {
    const [row] = await duck.rows<{ n: number | string }>(
      'SELECT count(DISTINCT date_id) AS n FROM p_dim_date',
    )
    return { ...loaded, processedDates: Number(row?.n ?? 0) }
  }
  return loaded
}

/** The source's deletes the warehouse snapshot found, as (table, key) rows, 500 to an INSERT. */
async function runLoadSourceDeletes(duck: DuckDb, deletes: WarehouseSnapshot['deletes']): Promise<void> {
  await duck.run('CREATE TABLE source_deletes (source_table VARCHAR, source_key INTEGER)')
  for (let i = 0; i < deletes.length; i += 500) {
    const chunk = deletes.slice(i, i + 500)
    await duck.run(
      `INSERT INTO source_deletes VALUES ${chunk.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(', ')}`,
      chunk.flat(),
    )
  }
}

/** Per source table: the lake's versions (when the lake was read) and the quarantine's held versions. */
async function runLoadSourceTables(duck: DuckDb, input: LayersInput, loaded: LoadedLayers): Promise<void> {
  const { lake, quarantine, progress } = input
  for (const table of SOURCE_TABLES) {
    if (lake) {
      await duck.run(createVersionsSql(lakeName(table), table, await toCsvFiles(lake.ingestionFiles[table])))
      loaded.lake.add(table)
      const [row] = await duck.rows<{ n: number | string }>(`SELECT count(*) AS n FROM ${lakeName(table)}`)
      loaded.lakeVersions[table] = Number(row?.n ?? 0)
    }
    await duck.run(createVersionsSql(heldName(table), table, await toCsvFiles(quarantine?.files[table])))
    progress.advance(1)
  }
}

/** Per warehouse table: its warehouse rows, the rows expected from the source, and the processed rows. */
async function runLoadWarehouseTables(duck: DuckDb, input: LayersInput, loaded: LoadedLayers): Promise<void> {
  const { snapshot, source, lake, progress } = input
  const at = (key: string) => `${duck.workDir}/${key}`
  for (const table of WAREHOUSE_TABLES) {
    const warehouseFile = snapshot.files[table]
    if (warehouseFile) {
      await duck.run(createWarehouseSql(table, await toCsvFile(at(warehouseFile))))
      loaded.warehouse.add(table)
    }
    const expectedFile = table === 'dim_date' ? undefined : source?.files[table]
    if (expectedFile) {
      await duck.run(createExpectedSql(table, await toCsvFile(at(expectedFile))))
      loaded.expected.add(table)
    }
    if (lake) {
      await duck.run(createProcessedSql(table, lake.processedFiles[table] ?? []))
      loaded.processed.add(table)
    }
    progress.advance(1)
  }
}

/** The ISO currency names the expected dim_currency rows are made with. */
async function runCreateIsoCurrency(duck: DuckDb): Promise<void> {
  await duck.run('CREATE TABLE iso_currency (code VARCHAR, name VARCHAR)')
  const iso = isoCurrencyNames()
  for (let i = 0; i < iso.length; i += 200) {
    const chunk = iso.slice(i, i + 200)
    await duck.run(
      `INSERT INTO iso_currency VALUES ${chunk.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(', ')}`,
      chunk.flat(),
    )
  }
}

/** A CSV file with its header's names, for DuckDB to read without scanning it for them first. */
async function toCsvFile(path: string): Promise<CsvFile> {
  return { path, columns: await runReadCsvHeader(path) }
}

async function toCsvFiles(paths: readonly string[] | undefined): Promise<CsvFile[]> {
  return Promise.all((paths ?? []).map(toCsvFile))
}
