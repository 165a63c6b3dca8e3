/**
 * What the batch loader needs to know about a target: where its batches are listed and read, which tables
 * a batch loads into and how each merges, which ledger remembers what is loaded, and how it names itself
 * in messages and logs. The warehouse load (the 11 catalogue tables, etl.load_ledger) and every stream
 * (FX, each dataset: its tables, etl.stream_ledger) are two descriptions of one loader (run-load-batches.ts).
 */
import type { Database, SqlSession } from '../io/database.ts'
import type { LedgerTableRows } from '../io/warehouse-db.ts'
import type { MergeTable, ParquetColumn } from './plan-merge.ts'

/** Points inside a batch's transaction where a test can inject a crash. */
export const LOAD_FAULT_POINTS = [
  'after-lock',
  'after-staging',
  'after-dims',
  'after-facts',
  'after-ledger',
] as const
export type LoadFaultPoint = (typeof LOAD_FAULT_POINTS)[number]

/** One table a batch loads into: how it merges, where it lives, what its parquet files must hold. */
export interface LoadTable {
  readonly merge: MergeTable
  /** The table's name in the warehouse (the purchase fact's name is a setting). */
  readonly physical: string
  readonly parquet: readonly ParquetColumn[]
}

/** What the loader reads from every processed manifest, whatever its format. */
export interface LoadManifest {
  readonly batchId: string
  readonly sourceCreatedAt: string
  readonly tables: readonly {
    readonly table: string
    readonly key: string | null
    readonly rows: number
    readonly sha256: string | null
  }[]
}

/** The ledger of a target: which of its batches the warehouse holds; written in the batch's transaction. */
export interface LoadLedger<M extends LoadManifest> {
  readBatchIds(db: Database): Promise<string[]>
  isLoaded(tx: SqlSession, batchId: string): Promise<boolean>
  insert(tx: SqlSession, manifest: M, rows: Readonly<Record<string, LedgerTableRows>>): Promise<void>
}

export interface LoadTarget<M extends LoadManifest> {
  /** How messages name a batch: `batch 0000000001`, or `fx batch 0000000001` for a stream. */
  readonly stream?: string
  /** The committed processed batches, ascending. */
  listBatchIds(): Promise<string[]>
  /** Reads and checks a batch's processed manifest (a DataError when it vanished or does not parse). */
  readManifest(batchId: string): Promise<M>
  /** The tables a batch may load into, in merge order (dim_date first, dims before facts). */
  tablesOf(manifest: M): readonly LoadTable[]
  readonly ledger: LoadLedger<M>
  /** Inside the batch's transaction, after the lock: make sure the tables exist (a stream's first batch). */
  prepare?(tx: SqlSession, manifest: M): Promise<void>
  /** What to do about batches older than the newest loaded one. */
  readonly outOfOrderAdvice: string
  /** What a row referencing a missing key means for this target. */
  readonly foreignKeyAdvice: string
  /** What to run when a batch's file does not match its manifest (its sha256). */
  readonly damagedFileAdvice?: (batchId: string) => string
  /** Append facts this big in bulk, foreign keys dropped and re-validated (see LoadDeps.bulkFactRows); off when absent. */
  readonly bulkFactRows?: number
  /** Bulk only when the table holds at most this many times the batch (default BULK_SHARE_DIVISOR). */
  readonly bulkFactShare?: number
  /** The log line of each event (absent: not logged), and fields every line carries. */
  readonly logs: {
    readonly loaded: string
    readonly skipped?: string
    readonly waiting?: string
    readonly fields?: Readonly<Record<string, string>>
  }
}

/** How messages name a batch of a target: `batch 0000000001`, `fx batch 0000000001`. */
export function toBatchName(target: { readonly stream?: string }, batchId: string): string {
  return target.stream === undefined ? `batch ${batchId}` : `${target.stream} batch ${batchId}`
}
