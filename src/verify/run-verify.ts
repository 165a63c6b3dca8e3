/**
 * `verify`: reconciles source, lake and warehouse as of the loaded watermarks, from one consistent view:
 * the warehouse and its ledger in one snapshot, the lake up to that ledger's batches, the source in its
 * own snapshot (rows changed after a watermark are lag; within the extract lag of it, pending). Each
 * layer's rows go to scratch files and are compared in DuckDB, so no table is held in this process.
 * A system that cannot be read, or a table the source no longer has, is reported as not checked; the
 * rest is still checked.
 */
import type { PurchaseFactTable } from '../config.ts'
import { WAREHOUSE_TABLES } from '../core/warehouse-catalogue.ts'
import type { Database } from '../io/database.ts'
import { type DuckDb, openDuckDb } from '../io/duckdb.ts'
import { FolderStore } from '../io/folder-store.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { runCompareTable, type TableFindings } from './compare-table.ts'
import { type ExpectedTable, MADE_FROM } from './expected-rows-sql.ts'
import { runLoadLayers } from './load-layers.ts'
import { type LakeRead, runReadLake, StoreUnreachableError } from './read-lake.ts'
import { type QuarantineRead, runReadQuarantineHeld } from './read-quarantine-held.ts'
import { runReadSourceExpected, type SourceRead } from './read-source-expected.ts'
import { runReadWarehouseSnapshot, type WarehouseSnapshot } from './read-warehouse-snapshot.ts'
import { toVerifyReport } from './to-verify-report.ts'
import { noProgress, type VerifyProgress } from './verify-progress.ts'
import type { Unavailable, VerifyReport } from './verify-report.ts'

type Lazy<T> = T | (() => Promise<T>)

export interface VerifyDeps {
  /** The source database, or how to open it (an open that fails is reported, not thrown). */
  readonly source: Lazy<Database>
  readonly warehouse: Lazy<Database>
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  readonly purchaseFactTable: PurchaseFactTable
  readonly lagMs: number
  /** Where the databases are, for messages when they cannot be opened. */
  readonly descriptions?: { readonly source?: string; readonly warehouse?: string }
  readonly tmpDir?: string
  readonly progress?: VerifyProgress
}

const EXPECTED_TABLES = WAREHOUSE_TABLES.filter((t): t is ExpectedTable => t !== 'dim_date')

async function open(db: Lazy<Database>): Promise<Database> {
  return typeof db === 'function' ? db() : db
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Why the warehouse could not be read, in the operator's terms. */
function toWarehouseReason(error: unknown): string {
  const code = String((error as { code?: unknown }).code ?? '')
  if (code === '42P01' || code === '3F000')
    return `the warehouse is not initialised (${messageOf(error)}): run \`totesys-etl init\``
  return messageOf(error)
}

/** Compares everything; the report says what differs, why, and how to repair it. */
export async function runVerify(deps: VerifyDeps): Promise<VerifyReport> {
  const progress = deps.progress ?? noProgress
  const timings: Record<string, number> = {}
  let started = Date.now()
  const lap = (phase: string) => {
    timings[phase] = Date.now() - started
    started = Date.now()
  }
  const unavailable: Unavailable[] = []
  const duck = await openDuckDb({ ...(deps.tmpDir ? { tmpDir: deps.tmpDir } : {}), memoryLimit: '512MB' })
  try {
    const r: Reading = { deps, progress, scratch: new FolderStore(duck.workDir), unavailable }
    const snapshot = await runReadWarehouse(r)
    lap('warehouse')
    // What quarantine holds is known whatever else can be read.
    const quarantine = await runReadQuarantine(r, `${duck.workDir}/lake`)
    if (snapshot === undefined || snapshot.batchIds.length === 0) {
      return toVerifyReport({
        snapshot,
        quarantine,
        unavailable,
        timings,
        nothingLoaded: snapshot !== undefined,
        ingestion: deps.ingestion,
      })
    }
    const source = await runReadSource(r, snapshot)
    lap('source')
    const lake = await runReadLakeBatches(r, snapshot, `${duck.workDir}/lake`)
    lap('lake')
    if (toLargestTableRows(snapshot, source, lake) <= ROW_GROUP_ROWS) await duck.run('SET threads = 1')
    const loaded = await runLoadLayers(duck, { snapshot, source, lake, quarantine, progress })
    lap('layers')
    const findings = await runCompareTables(duck, loaded, progress)
    lap('compare')
    return toVerifyReport({
      snapshot,
      source,
      lake,
      quarantine,
      findings,
      lakeVersions: loaded.lakeVersions,
      processedDates: loaded.processedDates,
      unavailable,
      timings,
      nothingLoaded: false,
      ingestion: deps.ingestion,
    })
  } finally {
    progress.stop()
    await duck.close()
  }
}

/**
 * DuckDB's row group: a table of at most this many rows is scanned by one thread whatever the setting, and
 * a file this small is read by one too, so for such tables a second thread only adds its scheduling: on the
 * tests' loaded snapshot (tables of ≤ 10k rows) DuckDB's CPU a verify fell ~17 % (~750 → ~620 ms, five
 * paired runs of five calls each) with one thread, the report the same.
 */
const ROW_GROUP_ROWS = 122_880

/** The most rows any one table holds in a layer read so far (the warehouse, the source, the lake). */
function toLargestTableRows(
  snapshot: WarehouseSnapshot,
  source: SourceRead | undefined,
  lake: LakeRead | undefined,
): number {
  return Math.max(
    0,
    ...Object.values(snapshot.rows),
    ...Object.values(source?.sourceRows ?? {}),
    ...Object.values(lake?.ingestionRows ?? {}),
  )
}

/** What every read of a layer shares: the deps, the bar, the scratch store, and where a failure is told. */
interface Reading {
  readonly deps: VerifyDeps
  readonly progress: VerifyProgress
  readonly scratch: FolderStore
  readonly unavailable: Unavailable[]
}

/**
 * Opens a database (progress: one step) and reads from it; a failure of either is told under
 * `unavailable` (as `reason` says it) and gives undefined: the rest of verify goes on without it.
 */
async function runReadDatabase<T>(
  r: Reading,
  system: 'warehouse' | 'source',
  read: (db: Database) => Promise<T>,
  reason: (error: unknown) => string,
): Promise<T | undefined> {
  const lazy = r.deps[system]
  try {
    r.progress.phase(`open ${system}`, 1, 'databases')
    const db = await open(lazy)
    r.progress.advance(1)
    return await read(db)
  } catch (error) {
    const description =
      typeof lazy === 'function' ? (r.deps.descriptions?.[system] ?? `the ${system}`) : lazy.description
    r.unavailable.push({ system, description, reason: reason(error) })
    return undefined
  }
}

/** The warehouse and its ledger in one snapshot, or undefined (and why) when it cannot be read. */
function runReadWarehouse(r: Reading): Promise<WarehouseSnapshot | undefined> {
  const { deps, progress, scratch } = r
  return runReadDatabase(
    r,
    'warehouse',
    (db) => runReadWarehouseSnapshot(db, { purchaseFactTable: deps.purchaseFactTable, scratch, progress }),
    toWarehouseReason,
  )
}

/** What quarantine holds, or undefined (and why) when its entries cannot be read. */
async function runReadQuarantine(r: Reading, localDir: string): Promise<QuarantineRead | undefined> {
  try {
    return await runReadQuarantineHeld(r.deps.ingestion, localDir)
  } catch (error) {
    r.unavailable.push({
      system: 'ingestion store',
      description: r.deps.ingestion.description,
      reason: `its quarantine entries cannot be read: ${messageOf(error)}`,
    })
    return undefined
  }
}

/** The source's expected rows as of the loaded watermarks, or undefined (and why). */
function runReadSource(r: Reading, snapshot: WarehouseSnapshot): Promise<SourceRead | undefined> {
  const { deps, progress, scratch } = r
  return runReadDatabase(
    r,
    'source',
    (db) =>
      runReadSourceExpected(db, { watermarks: snapshot.watermarks, lagMs: deps.lagMs, scratch, progress }),
    messageOf,
  )
}

/** The lake up to the ledger's batches, or undefined (and why) when a store cannot be reached. */
async function runReadLakeBatches(
  r: Reading,
  snapshot: WarehouseSnapshot,
  localDir: string,
): Promise<LakeRead | undefined> {
  try {
    return await runReadLake(r.deps.ingestion, r.deps.processed, snapshot.batchIds, {
      localDir,
      progress: r.progress,
    })
  } catch (error) {
    if (!(error instanceof StoreUnreachableError)) throw error
    if (!r.unavailable.some((u) => u.system === error.system))
      r.unavailable.push({
        system: error.system,
        description: error.description,
        reason: messageOf(error.cause),
      })
    return undefined
  }
}

/** Every expected table compared across the layers loaded into DuckDB. */
async function runCompareTables(
  duck: DuckDb,
  loaded: Awaited<ReturnType<typeof runLoadLayers>>,
  progress: VerifyProgress,
): Promise<TableFindings[]> {
  progress.phase('compare', EXPECTED_TABLES.length, 'tables')
  const findings: TableFindings[] = []
  for (const table of EXPECTED_TABLES) {
    findings.push(
      await runCompareTable(duck, table, {
        expected: loaded.expected.has(table),
        warehouse: loaded.warehouse.has(table),
        processed: loaded.processed.has(table),
        lake: loaded.lake.has(MADE_FROM[table]),
      }),
    )
    progress.advance(1)
  }
  return findings
}

export type { VerifyReport } from './verify-report.ts'
