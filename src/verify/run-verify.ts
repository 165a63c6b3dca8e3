/**
 * `verify`: reconciles source, lake and warehouse as of the loaded watermarks, from one consistent view:
 * the warehouse and its ledger in one snapshot, the lake up to that ledger's batches, the source in its
 * own snapshot (rows changed after a watermark are lag; within the extract lag of it, pending). Each
 * layer's rows go to scratch files and are compared in DuckDB, so no table is held in this process.
 * A system that cannot be read, or a table the source no longer has, is reported as not checked; the
 * rest is still checked.
 */
import type { PurchaseFactTable } from '../config.ts'
import { SOURCE_TABLES, type SourceTable } from '../core/catalogue.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import type { Database } from '../io/database.ts'
import { type DuckDb, openDuckDb } from '../io/duckdb.ts'
import { FolderStore } from '../io/folder-store.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { isoCurrencyNames } from '../transform/currency-names.ts'
import { runCompareTable, type TableFindings } from './compare-table.ts'
import {
  createExpectedSql,
  createProcessedSql,
  createVersionsSql,
  createWarehouseSql,
  heldName,
  lakeName,
} from './duck-tables.ts'
import { type ExpectedTable, MADE_FROM } from './expected-rows-sql.ts'
import { planDateDifferences, planFileDifferences, planTableDifferences } from './plan-differences.ts'
import { type LakeRead, runReadLake, StoreUnreachableError, toStorePath } from './read-lake.ts'
import { type QuarantineRead, runReadQuarantineHeld } from './read-quarantine-held.ts'
import { runReadSourceExpected, type SourceRead } from './read-source-expected.ts'
import { runReadWarehouseSnapshot, type WarehouseSnapshot } from './read-warehouse-snapshot.ts'
import { noProgress, type VerifyProgress } from './verify-progress.ts'
import {
  type Difference,
  type SourceTableSummary,
  type TableVerdict,
  toVerdict,
  type Unavailable,
  VERDICT_EXIT,
  VERIFY_FORMAT,
  type VerifyReport,
} from './verify-report.ts'

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

const NOTHING_LOADED = 'the warehouse has loaded no batch yet: run `totesys-etl run`'
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
    const scratch = new FolderStore(duck.workDir)
    let snapshot: WarehouseSnapshot | undefined
    try {
      progress.phase('open warehouse', 1, 'databases')
      const warehouse = await open(deps.warehouse)
      progress.advance(1)
      snapshot = await runReadWarehouseSnapshot(warehouse, {
        purchaseFactTable: deps.purchaseFactTable,
        scratch,
        progress,
      })
    } catch (error) {
      unavailable.push({
        system: 'warehouse',
        description:
          typeof deps.warehouse === 'function'
            ? (deps.descriptions?.warehouse ?? 'the warehouse')
            : deps.warehouse.description,
        reason: toWarehouseReason(error),
      })
    }
    lap('warehouse')
    // What quarantine holds is known whatever else can be read.
    let quarantine: QuarantineRead | undefined
    try {
      quarantine = await runReadQuarantineHeld(deps.ingestion, `${duck.workDir}/lake`)
    } catch (error) {
      unavailable.push({
        system: 'ingestion store',
        description: deps.ingestion.description,
        reason: `its quarantine entries cannot be read: ${messageOf(error)}`,
      })
    }
    if (snapshot === undefined || snapshot.batchIds.length === 0) {
      return toReport({
        snapshot,
        quarantine,
        unavailable,
        timings,
        nothingLoaded: snapshot !== undefined,
        ingestion: deps.ingestion,
      })
    }

    let source: SourceRead | undefined
    try {
      progress.phase('open source', 1, 'databases')
      const db = await open(deps.source)
      progress.advance(1)
      source = await runReadSourceExpected(db, {
        watermarks: snapshot.watermarks,
        lagMs: deps.lagMs,
        scratch,
        progress,
      })
    } catch (error) {
      unavailable.push({
        system: 'source',
        description:
          typeof deps.source === 'function'
            ? (deps.descriptions?.source ?? 'the source')
            : deps.source.description,
        reason: messageOf(error),
      })
    }
    lap('source')

    let lake: LakeRead | undefined
    try {
      lake = await runReadLake(deps.ingestion, deps.processed, snapshot.batchIds, {
        localDir: `${duck.workDir}/lake`,
        progress,
      })
    } catch (error) {
      if (!(error instanceof StoreUnreachableError)) throw error
      if (!unavailable.some((u) => u.system === error.system))
        unavailable.push({
          system: error.system,
          description: error.description,
          reason: messageOf(error.cause),
        })
    }
    lap('lake')

    const loaded = await runLoadLayers(duck, { snapshot, source, lake, quarantine, progress })
    lap('layers')

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
    lap('compare')
    return toReport({
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

interface LoadedLayers {
  readonly expected: Set<WarehouseTable>
  readonly warehouse: Set<WarehouseTable>
  readonly processed: Set<WarehouseTable>
  readonly lake: Set<SourceTable>
  readonly lakeVersions: Partial<Record<SourceTable, number>>
  readonly processedDates: number | null
}

/** Loads every layer that could be read into DuckDB tables (see duck-tables.ts). */
async function runLoadLayers(
  duck: DuckDb,
  input: {
    snapshot: WarehouseSnapshot
    source: SourceRead | undefined
    lake: LakeRead | undefined
    quarantine: QuarantineRead | undefined
    progress: VerifyProgress
  },
): Promise<LoadedLayers> {
  const { snapshot, source, lake, quarantine, progress } = input
  const at = (key: string) => `${duck.workDir}/${key}`
  await duck.run('CREATE TABLE iso_currency (code VARCHAR, name VARCHAR)')
  const iso = isoCurrencyNames()
  for (let i = 0; i < iso.length; i += 200) {
    const chunk = iso.slice(i, i + 200)
    await duck.run(
      `INSERT INTO iso_currency VALUES ${chunk.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(', ')}`,
      chunk.flat(),
    )
  }
  const loaded: LoadedLayers = {
    expected: new Set(),
    warehouse: new Set(),
    processed: new Set(),
    lake: new Set(),
    lakeVersions: {},
    processedDates: null,
  }
  progress.phase('layers', SOURCE_TABLES.length + WAREHOUSE_TABLES.length, 'tables')
  for (const table of SOURCE_TABLES) {
    if (lake) {
      await duck.run(createVersionsSql(lakeName(table), table, lake.ingestionFiles[table] ?? []))
      loaded.lake.add(table)
      const [row] = await duck.rows<{ n: number | string }>(`SELECT count(*) AS n FROM ${lakeName(table)}`)
      loaded.lakeVersions[table] = Number(row?.n ?? 0)
    }
    await duck.run(createVersionsSql(heldName(table), table, quarantine?.files[table] ?? []))
    progress.advance(1)
  }
  for (const table of WAREHOUSE_TABLES) {
    const warehouseFile = snapshot.files[table]
    if (warehouseFile) {
      await duck.run(createWarehouseSql(table, at(warehouseFile)))
      loaded.warehouse.add(table)
    }
    const expectedFile = table === 'dim_date' ? undefined : source?.files[table]
    if (expectedFile) {
      await duck.run(createExpectedSql(table, at(expectedFile)))
      loaded.expected.add(table)
    }
    if (lake) {
      await duck.run(createProcessedSql(table, lake.processedFiles[table] ?? []))
      loaded.processed.add(table)
    }
    progress.advance(1)
  }
  if (loaded.processed.has('dim_date')) {
    const [row] = await duck.rows<{ n: number | string }>(
      'SELECT count(DISTINCT date_id) AS n FROM p_dim_date',
    )
    return { ...loaded, processedDates: Number(row?.n ?? 0) }
  }
  return loaded
}

function toReport(input: {
  snapshot: WarehouseSnapshot | undefined
  source?: SourceRead | undefined
  lake?: LakeRead | undefined
  quarantine?: QuarantineRead | undefined
  findings?: readonly TableFindings[]
  lakeVersions?: Partial<Record<SourceTable, number>>
  processedDates?: number | null
  unavailable: readonly Unavailable[]
  timings: Record<string, number>
  nothingLoaded: boolean
  ingestion: ObjectStore
}): VerifyReport {
  const { snapshot, source, lake, quarantine, unavailable } = input
  const findings = new Map((input.findings ?? []).map((f) => [f.table, f]))
  const sourceDown = unavailable.find((u) => u.system === 'source')
  const differences: Difference[] = [
    ...planFileDifferences(lake?.fileProblems ?? []),
    ...(input.findings ?? []).flatMap(planTableDifferences),
    ...(snapshot?.coverage && snapshot.batchIds.length > 0 ? planDateDifferences(snapshot.coverage) : []),
  ]
  // Reasons of one table (its own); a whole system down is said once, under unavailable.
  const ownReason = (table: WarehouseTable): string | null => {
    if (!snapshot || input.nothingLoaded) return null
    if (snapshot.problems[table]) return snapshot.problems[table] ?? null
    if (table === 'dim_date') return snapshot.coverage ? null : "dim_date's coverage could not be read"
    return source?.problems[table as ExpectedTable] ?? null
  }
  const systemReason = (table: WarehouseTable): string | null => {
    if (!snapshot) return 'the warehouse could not be read'
    if (input.nothingLoaded) return NOTHING_LOADED
    return table !== 'dim_date' && sourceDown
      ? `the source could not be read (${sourceDown.description})`
      : null
  }
  const tables: TableVerdict[] = WAREHOUSE_TABLES.map((table) => {
    const f = findings.get(table)
    const own = differences.filter((d) => d.table === table).length
    const reason = ownReason(table) ?? systemReason(table)
    const verdict = own > 0 ? 'differences' : reason ? 'could_not_check' : 'clean'
    return {
      table,
      verdict,
      reason,
      differences: own,
      counts:
        table === 'dim_date'
          ? {
              source: null,
              lake: null,
              processed: input.processedDates ?? null,
              warehouse: snapshot?.rows.dim_date ?? null,
              lag: null,
              pending: null,
              quarantined: null,
            }
          : {
              source: f?.source ?? null,
              lake: f?.lake ?? null,
              processed: f?.processed ?? null,
              warehouse: f?.warehouse ?? snapshot?.rows[table] ?? null,
              lag: f?.lag ?? null,
              pending: f?.pending ?? null,
              quarantined: f?.quarantined ?? null,
            },
    }
  })
  const sourceTables: SourceTableSummary[] = SOURCE_TABLES.map((table) => {
    const lakeRows = lake ? (lake.ingestionRows[table] ?? 0) : null
    const lakeVersions = input.lakeVersions?.[table] ?? null
    return {
      table,
      sourceRows: source?.sourceRows[table] ?? null,
      lakeRows,
      lakeVersions,
      lakeRepeats: lakeRows !== null && lakeVersions !== null ? Math.max(0, lakeRows - lakeVersions) : null,
      watermark: snapshot?.watermarks[table] ?? null,
      problem: source?.sourceProblems[table] ?? null,
    }
  })
  const unchecked = tables.filter((t) => t.verdict === 'could_not_check')
  const verdict = toVerdict(differences.length, unchecked.length + unavailable.length)
  const held = quarantine?.tables ?? []
  return {
    format: VERIFY_FORMAT,
    verdict,
    clean: verdict === 'clean',
    exitCode: VERDICT_EXIT[verdict],
    loadedBatches: snapshot?.batchIds.length ?? 0,
    firstBatch: snapshot?.batchIds[0] ?? null,
    lastBatch: snapshot?.batchIds.at(-1) ?? null,
    watermarks: snapshot?.watermarks ?? {},
    unavailable,
    sourceTables,
    tables,
    warehouseRows: Object.fromEntries(WAREHOUSE_TABLES.map((t) => [t, snapshot?.rows[t] ?? null])),
    dimDate: {
      first: snapshot?.coverage?.first ?? null,
      last: snapshot?.coverage?.last ?? null,
      days: snapshot?.coverage?.days ?? null,
    },
    quarantine: {
      where: toStorePath(input.ingestion, '_quarantine/'),
      rows: quarantine ? held.reduce((n, h) => n + h.rows, 0) : null,
      entries: quarantine ? held.reduce((n, h) => n + h.entries, 0) : null,
      tables: held,
    },
    differences,
    problems: [
      ...unavailable.map((u) => `could not read the ${u.system} (${u.description}): ${u.reason}`),
      ...(input.nothingLoaded ? [NOTHING_LOADED] : []),
      ...differences.map((d) => d.message),
      ...WAREHOUSE_TABLES.flatMap((t) => {
        const reason = ownReason(t)
        return reason ? [`${t}: could not check: ${reason}`] : []
      }),
    ],
    timings: input.timings,
  }
}

export type { VerifyReport } from './verify-report.ts'
