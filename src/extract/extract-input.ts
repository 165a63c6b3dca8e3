/**
 * What an extract is given: its systems (the source, the ingestion store, the log) and its settings. In a
 * file of its own because both the run (run-extract.ts) and the snapshot read it drives (read-snapshot.ts)
 * take them.
 */
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'

export interface ExtractDeps {
  readonly source: Database
  readonly ingestion: ObjectStore
  readonly log: Log
  /** Test hook: called at named points between writes, to inject crashes. */
  readonly faults?: (point: 'after-table' | 'before-manifest') => void | Promise<void>
}

export interface ExtractInput {
  /** How far back each read reaches for rows committed late with an older `last_updated`. */
  readonly lagMs: number
  /**
   * The most rows one batch holds (default DEFAULT_BATCH_ROWS). A larger backlog (a first load) is cut
   * into several batches, oldest changes first, so every stage works on a bounded batch; `more` says so.
   */
  readonly maxBatchRows?: number
  /** Start no new batch after this time (Date.now() milliseconds): a Lambda's time budget. */
  readonly untilMs?: number
  /**
   * Read every table even when the source proves nothing was committed since the last complete read
   * (plan-idle-skip.ts). Default false: an idle poll then costs the source no table scan.
   */
  readonly alwaysRead?: boolean
  /**
   * Logical mode's consistent start (src/extract/logical/): read in the snapshot a new replication slot
   * exported, and record the slot's consistent point in each manifest, committed even when empty so the
   * lake says where the log takes over. Implies alwaysRead.
   */
  readonly logicalSnapshot?: { readonly name: string; readonly slot: string; readonly lsn: string }
}
