/**
 * `status`: where each stage is, what is pending, how fresh the warehouse is (per source table), what
 * is held in quarantine. Reads only the stores' manifests and the warehouse's ledger, never data files.
 *
 * Each system is read on its own: one that cannot be read is reported as a problem (which system,
 * where, why) and its part of the report is null, never zero; what the others hold is still shown.
 */
import type { PurchaseFactTable } from '../config.ts'
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey } from '../core/batch-id.ts'
import { INGESTION_MANIFEST } from '../core/manifests/ingestion.ts'
import { SOURCE_TABLES, type SourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import type { Database } from '../io/database.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import { runReadLoadedWatermarks } from '../load/load-ledger.ts'
import { toPhysicalTable } from '../load/warehouse-names.ts'
import { runListQuarantine } from '../transform/quarantine-store.ts'
import { toFreshnessSeconds } from './freshness.ts'
import { runReadLedgerSummary } from './ledger-queries.ts'
import { problemCollector, type StatusProblem } from './status-problem.ts'

export interface TableFreshness {
  readonly table: SourceTable
  /** Newest change of this table the warehouse holds (naive UTC), null when none is loaded yet. */
  readonly newestChange: string | null
  readonly freshnessSeconds: number | null
}

export interface StatusReport {
  /** Null when the ingestion store could not be read (see problems). */
  readonly ingestion: {
    readonly batches: number
    readonly lastBatch: string | null
    /** When the last batch's snapshot was taken (the source's clock, naive UTC). */
    readonly lastBatchAt: string | null
  } | null
  readonly processed: {
    readonly batches: number
    readonly lastBatch: string | null
    /** Null when the ingestion store could not be read. */
    readonly pending: number | null
  } | null
  readonly warehouse: {
    readonly batches: number
    readonly lastBatch: string | null
    /** Epoch ms of the last load's commit (the warehouse's clock). */
    readonly lastLoadedAtMs: number | null
    /** Processed batches newer than the last loaded one; null when the processed store could not be read. */
    readonly pending: number | null
    /** Newest source change loaded (naive UTC), and seconds from it to now. */
    readonly newestChange: string | null
    readonly freshnessSeconds: number | null
    readonly tables: readonly TableFreshness[]
    readonly rows: Readonly<Partial<Record<WarehouseTable, number>>>
  } | null
  readonly quarantine: {
    readonly entries: number
    readonly rows: number
    readonly open: readonly {
      readonly id: string
      readonly table: string
      readonly rows: number
      readonly reason: string
    }[]
  } | null
  /** What could not be read, and why. Empty when every part of the report is known. */
  readonly problems: readonly StatusProblem[]
}

export interface StatusDeps {
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  /** Opened on demand: opening is one of the things that can fail. */
  warehouse(): Promise<Database>
  /** Where the warehouse is, safe to show (no password). */
  readonly warehouseDescription: string
  readonly purchaseFactTable: PurchaseFactTable
  /** The process clock, injected so tests can fix it. */
  readonly now?: () => number
}

export async function runStatus(deps: StatusDeps): Promise<StatusReport> {
  const { problems, attempt } = problemCollector()
  const nowMs = (deps.now ?? Date.now)()
  const [ingestion, processedIds, warehouse, quarantine] = await Promise.all([
    attempt('ingestion store', deps.ingestion.description, () => readIngestion(deps.ingestion)),
    attempt('processed store', deps.processed.description, async () =>
      batchIdsFromKeys(await deps.processed.list(MANIFEST_PREFIX)),
    ),
    attempt('warehouse', deps.warehouseDescription, async () =>
      readWarehouse(await deps.warehouse(), deps.purchaseFactTable, nowMs),
    ),
    attempt('ingestion store', deps.ingestion.description, () => runListQuarantine(deps.ingestion)),
  ])
  const processedSet = new Set(processedIds ?? [])
  const lastLoaded = warehouse?.lastBatch ?? null
  const open = quarantine?.filter((e) => e.replayedIn === null)
  return {
    ingestion: ingestion && {
      batches: ingestion.ids.length,
      lastBatch: ingestion.ids.at(-1) ?? null,
      lastBatchAt: ingestion.lastBatchAt,
    },
    processed: processedIds && {
      batches: processedIds.length,
      lastBatch: processedIds.at(-1) ?? null,
      pending: ingestion ? ingestion.ids.filter((id) => !processedSet.has(id)).length : null,
    },
    warehouse: warehouse && {
      ...warehouse,
      pending: processedIds
        ? processedIds.filter((id) => lastLoaded === null || id > lastLoaded).length
        : null,
    },
    quarantine: open
      ? {
          entries: open.length,
          rows: open.reduce((sum, e) => sum + e.rows, 0),
          open: open.map((e) => ({ id: e.id, table: e.table, rows: e.rows, reason: e.reason })),
        }
      : null,
    problems: [...problems],
  }
}

async function readIngestion(store: ObjectStore) {
  const ids = batchIdsFromKeys(await store.list(MANIFEST_PREFIX))
  const last = ids.at(-1)
  const text = last === undefined ? undefined : await getText(store, manifestKey(last))
  return {
    ids,
    lastBatchAt: text === undefined ? null : INGESTION_MANIFEST.parse(text, 'ingestion manifest').createdAt,
  }
}

async function readWarehouse(db: Database, purchaseFactTable: PurchaseFactTable, nowMs: number) {
  const summary = await runReadLedgerSummary(db)
  const watermarks = await runReadLoadedWatermarks(db)
  const tables = SOURCE_TABLES.map((table) => {
    const newestChange = watermarks[table] ?? null
    return { table, newestChange, freshnessSeconds: toFreshnessSeconds(newestChange, nowMs) }
  })
  const newestChange = tables.reduce<string | null>(
    (a, t) => (t.newestChange !== null && (a === null || t.newestChange > a) ? t.newestChange : a),
    null,
  )
  // One round trip for every count; a missing table fails the whole read (init was not run).
  const counts = WAREHOUSE_TABLES.map(
    (t) =>
      `(SELECT count(*) FROM ${quoteIdent(toPhysicalTable(t, purchaseFactTable))})::int AS ${quoteIdent(t)}`,
  )
  const [row] = await db.query<Record<WarehouseTable, number>>(`SELECT ${counts.join(', ')}`)
  return {
    batches: summary.batches,
    lastBatch: summary.last?.batchId ?? null,
    lastLoadedAtMs: summary.last?.loadedAtMs ?? null,
    newestChange,
    freshnessSeconds: toFreshnessSeconds(newestChange, nowMs),
    tables,
    rows: Object.fromEntries(WAREHOUSE_TABLES.map((t) => [t, row?.[t] ?? 0])),
  }
}
