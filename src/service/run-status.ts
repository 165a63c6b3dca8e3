/**
 * `status`: where each stage is, what is pending, how fresh the warehouse is, what is held in quarantine.
 * Reads only the stores' manifests and the warehouse's ledger; never the data files.
 */

import type { PurchaseFactTable } from '../config.ts'
import { batchIdsFromKeys, MANIFEST_PREFIX } from '../core/batch-id.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { runReadLedger } from '../load/load-ledger.ts'
import { toPhysicalTable } from '../load/warehouse-names.ts'
import { runListQuarantine } from '../transform/quarantine-store.ts'
import { toFreshnessSeconds } from './freshness.ts'

export interface StatusReport {
  readonly ingestion: { readonly batches: number; readonly lastBatch: string | null }
  readonly processed: {
    readonly batches: number
    readonly lastBatch: string | null
    readonly pending: number
  }
  readonly warehouse: {
    readonly batches: number
    readonly lastBatch: string | null
    readonly lastLoadedAt: string | null
    readonly pending: number
    /** Newest source change loaded (naive UTC), and seconds from it to now. */
    readonly newestChange: string | null
    readonly freshnessSeconds: number | null
    readonly rows: Partial<Record<WarehouseTable, number>>
  }
  readonly quarantine: {
    readonly entries: number
    readonly rows: number
    readonly open: readonly {
      readonly id: string
      readonly table: string
      readonly rows: number
      readonly reason: string
    }[]
  }
}

export interface StatusDeps {
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  readonly warehouse: Database
  readonly purchaseFactTable: PurchaseFactTable
  /** The process clock, injected so tests can fix it. */
  readonly now?: () => number
}

export async function runStatus(deps: StatusDeps): Promise<StatusReport> {
  const ingested = batchIdsFromKeys(await deps.ingestion.list(MANIFEST_PREFIX))
  const processed = batchIdsFromKeys(await deps.processed.list(MANIFEST_PREFIX))
  const processedSet = new Set(processed)
  const ledger = await runReadLedger(deps.warehouse).catch(() => [])
  const loaded = new Set(ledger.map((e) => e.batchId))
  const newestChange = ledger
    .flatMap((e) => Object.values(e.watermarks))
    .reduce<string | null>((a, b) => (a === null || b > a ? b : a), null)
  const rows: Partial<Record<WarehouseTable, number>> = {}
  for (const table of WAREHOUSE_TABLES) {
    const physical = quoteIdent(toPhysicalTable(table, deps.purchaseFactTable))
    const [row] = await deps.warehouse
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM ${physical}`)
      .catch(() => [{ n: 0 }])
    rows[table] = row?.n ?? 0
  }
  const quarantine = await runListQuarantine(deps.ingestion)
  const open = quarantine.filter((e) => e.replayedIn === null)
  const last = ledger.at(-1)
  return {
    ingestion: { batches: ingested.length, lastBatch: ingested.at(-1) ?? null },
    processed: {
      batches: processed.length,
      lastBatch: processed.at(-1) ?? null,
      pending: ingested.filter((id) => !processedSet.has(id)).length,
    },
    warehouse: {
      batches: ledger.length,
      lastBatch: last?.batchId ?? null,
      lastLoadedAt: last?.loadedAt ?? null,
      pending: processed.filter((id) => !loaded.has(id)).length,
      newestChange,
      freshnessSeconds: toFreshnessSeconds(newestChange, (deps.now ?? Date.now)()),
      rows,
    },
    quarantine: {
      entries: open.length,
      rows: open.reduce((sum, e) => sum + e.rows, 0),
      open: open.map((e) => ({ id: e.id, table: e.table, rows: e.rows, reason: e.reason })),
    },
  }
}
