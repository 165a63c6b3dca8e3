/**
 * The verify report: what `verify --json` prints (format `totesys-etl.verify/1`, documented in
 * docs/OPERATIONS.md) and what the text view renders. A count that could not be taken is null, never 0.
 */
import type { SourceTable } from '../core/source-catalogue.ts'
import type { WarehouseTable } from '../core/warehouse-catalogue.ts'

export const VERIFY_FORMAT = 'totesys-etl.verify/1'

export type Verdict = 'clean' | 'differences' | 'could_not_check'

/** The exit code of each verdict. */
export const VERDICT_EXIT: Readonly<Record<Verdict, 0 | 1 | 2>> = {
  clean: 0,
  differences: 1,
  could_not_check: 2,
}

export const SYSTEMS = ['source', 'warehouse', 'ingestion store', 'processed store'] as const
export type System = (typeof SYSTEMS)[number]

/** A system verify could not read at all (unreachable, or not initialised), and why. */
export interface Unavailable {
  readonly system: System
  readonly description: string
  readonly reason: string
}

export const DIFFERENCE_KINDS = [
  'missing',
  'stale',
  'unexpected',
  'duplicated',
  'not_loaded',
  'processed_duplicate',
  'file',
  'dim_date',
  'nothing_loaded',
] as const
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number]

/** One kind of difference in one table (or in the lake), with its likely cause and the repair. */
export interface Difference {
  /** A warehouse table, `lake` for files, or `dim_date`. */
  readonly table: WarehouseTable | 'lake'
  readonly kind: DifferenceKind
  readonly count: number
  /** Up to 20 keys (dims: natural id; facts: id|last_updated_date|last_updated_time) or file paths. */
  readonly keys: readonly string[]
  /** For stale rows: the columns that differ. */
  readonly columns?: readonly string[]
  /** One sentence: what differs. */
  readonly message: string
  /** Why it most likely happened, judged from which layer (lake, processed, warehouse) still has it. */
  readonly cause: string
  /** What to run (or do) to repair it. */
  readonly repair: string
}

/** Rows of the same table per layer; null = could not be counted. */
export interface TableCounts {
  /** Rows the source maps to this table now (one per row of the table it is made from). */
  readonly source: number | null
  /** Distinct versions (primary key, last_updated) of the table it is made from in the loaded ingestion batches. */
  readonly lake: number | null
  /** Distinct keys in the loaded processed batches: a dimension's ids, a fact's versions. */
  readonly processed: number | null
  /** Rows in the warehouse table: a dimension's current rows, a fact's versions (its history). */
  readonly warehouse: number | null
  /** Source rows changed after the loaded watermark: not loaded yet, by design. */
  readonly lag: number | null
  /** Expected rows not loaded yet but within EXTRACT_LAG of the watermark: may still arrive. */
  readonly pending: number | null
  /** Expected rows absent or older in the warehouse because their version is held in quarantine. */
  readonly quarantined: number | null
}

export interface TableVerdict {
  readonly table: WarehouseTable
  readonly verdict: Verdict
  /** Why it could not be checked (source drift, a table missing), when verdict is could_not_check. */
  readonly reason: string | null
  readonly counts: TableCounts
  /** How many differences of this table are listed under `differences`. */
  readonly differences: number
}

/** Quarantine entries still held (not replayed) of one source table. */
export interface HeldRows {
  readonly table: SourceTable
  readonly rows: number
  readonly entries: number
  /** Where the entries are (store paths), oldest first. */
  readonly where: readonly string[]
  /** The reasons, most frequent first, with their row counts. */
  readonly reasons: readonly { readonly reason: string; readonly rows: number }[]
}

export interface SourceTableSummary {
  readonly table: SourceTable
  /** Rows the source table holds now (null: could not be read). */
  readonly sourceRows: number | null
  /** Rows of the loaded ingestion batches, as their manifests count them. */
  readonly lakeRows: number | null
  /** Distinct versions (primary key, last_updated) among them. */
  readonly lakeVersions: number | null
  /** lakeRows - lakeVersions: versions taken again (the lake is at-least-once; not an error). */
  readonly lakeRepeats: number | null
  /** The newest last_updated loaded (the watermark), or null before the first load. */
  readonly watermark: string | null
  /** Why the source table could not be read, or null. */
  readonly problem: string | null
}

export interface VerifyReport {
  readonly format: typeof VERIFY_FORMAT
  readonly verdict: Verdict
  /** verdict = clean. */
  readonly clean: boolean
  readonly exitCode: 0 | 1 | 2
  readonly loadedBatches: number
  readonly firstBatch: string | null
  readonly lastBatch: string | null
  readonly watermarks: Partial<Record<SourceTable, string>>
  readonly unavailable: readonly Unavailable[]
  readonly sourceTables: readonly SourceTableSummary[]
  readonly tables: readonly TableVerdict[]
  /** Rows in each warehouse table (null when it could not be read). */
  readonly warehouseRows: Partial<Record<WarehouseTable, number | null>>
  readonly dimDate: {
    readonly first: string | null
    readonly last: string | null
    readonly days: number | null
  }
  readonly quarantine: {
    /** Where held entries live: `<ingestion store>/_quarantine/`. */
    readonly where: string
    readonly rows: number | null
    readonly entries: number | null
    readonly tables: readonly HeldRows[]
  }
  readonly differences: readonly Difference[]
  /** Every difference and every table that could not be checked, one sentence each. */
  readonly problems: readonly string[]
  /** Milliseconds per phase. */
  readonly timings: Readonly<Record<string, number>>
}

/** The overall verdict: any difference → differences; else anything unchecked → could_not_check. */
export function toVerdict(differences: number, unchecked: number): Verdict {
  if (differences > 0) return 'differences'
  return unchecked > 0 ? 'could_not_check' : 'clean'
}
