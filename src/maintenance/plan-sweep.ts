/**
 * Which data files in a store are orphans: written by an attempt at a batch that another attempt
 * committed (a crashed run, or the loser of two concurrent runs that died before tidying up). Pure:
 * the caller lists the store and reads the manifests.
 *
 * Only files named like a batch's data file (`<table>/year=…/month=…/day=…/<batch>-<attempt>.<ext>`,
 * `<table>` from the given catalogue) are ever candidates; manifests, schemas, quarantine, state and
 * streams are never touched. A file whose batch has no manifest yet is kept: its attempt may
 * still be running, and it becomes an orphan (or part of the batch) once that batch commits.
 */

export interface CommittedBatch {
  readonly batchId: string
  /** Every data key the batch's manifest names. */
  readonly keys: readonly string[]
}

export interface SweepPlan {
  /** Data files of committed batches that their manifest does not name: safe to delete. */
  readonly orphans: readonly string[]
  /** Data files of batches with no manifest yet (in flight, or an attempt that never committed). */
  readonly uncommitted: readonly string[]
}

const DATA_FILE = /^([a-z_]+)\/year=\d{4}\/month=\d{2}\/day=\d{2}\/(\d{10})-[0-9a-f]+\.(csv\.gz|parquet)$/

/** Splits a store's data files into orphans and files of uncommitted batches. */
export function planSweep(
  keys: readonly string[],
  committed: readonly CommittedBatch[],
  tables: readonly string[],
): SweepPlan {
  const known = new Set(tables)
  const committedIds = new Set(committed.map((b) => b.batchId))
  const named = new Set(committed.flatMap((b) => b.keys))
  const orphans: string[] = []
  const uncommitted: string[] = []
  for (const key of keys) {
    const match = DATA_FILE.exec(key)
    if (!match || !known.has(match[1] ?? '')) continue
    if (!committedIds.has(match[2] ?? '')) uncommitted.push(key)
    else if (!named.has(key)) orphans.push(key)
  }
  return { orphans, uncommitted }
}
