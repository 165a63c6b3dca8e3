/**
 * `sweep`: deletes the orphan data files of both stores (see plan-sweep.ts). Files of uncommitted
 * batches are only counted. A manifest that does not parse stops the sweep of that store: without it
 * we cannot tell which files the batch holds, so nothing there is deleted.
 */
import { batchIdsFromKeys, manifestKey } from '../core/batch-id.ts'
import { SOURCE_TABLES } from '../core/catalogue.ts'
import { DataError } from '../core/errors.ts'
import { parseIngestionManifest } from '../core/ingestion-manifest.ts'
import { parseProcessedManifest } from '../core/processed-manifest.ts'
import { WAREHOUSE_TABLES } from '../core/warehouse-catalogue.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import { type CommittedBatch, planSweep } from './plan-sweep.ts'

export interface SweepDeps {
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  readonly log: Log
}

export interface StoreSweep {
  readonly store: 'ingestion' | 'processed'
  /** Orphans found (and deleted, unless a dry run). */
  readonly orphans: readonly string[]
  readonly uncommitted: number
}

export interface SweepResult {
  readonly dryRun: boolean
  readonly stores: readonly StoreSweep[]
}

type ManifestKeys = (text: string) => readonly (string | null)[]

const ingestionKeys: ManifestKeys = (text) => parseIngestionManifest(text).tables.map((t) => t.key)
const processedKeys: ManifestKeys = (text) => parseProcessedManifest(text).tables.map((t) => t.key)

/** Finds the orphan data files of both stores and deletes them (not with `dryRun`). */
export async function runSweep(deps: SweepDeps, options: { dryRun?: boolean } = {}): Promise<SweepResult> {
  const dryRun = options.dryRun ?? false
  const stores = [
    await sweepStore(deps, 'ingestion', deps.ingestion, ingestionKeys, SOURCE_TABLES, dryRun),
    await sweepStore(deps, 'processed', deps.processed, processedKeys, WAREHOUSE_TABLES, dryRun),
  ]
  return { dryRun, stores }
}

async function sweepStore(
  deps: SweepDeps,
  name: StoreSweep['store'],
  store: ObjectStore,
  keysOf: ManifestKeys,
  tables: readonly string[],
  dryRun: boolean,
): Promise<StoreSweep> {
  const keys = await store.list('')
  const committed: CommittedBatch[] = []
  for (const batchId of batchIdsFromKeys(keys)) {
    const text = await getText(store, manifestKey(batchId))
    try {
      committed.push({ batchId, keys: keysOf(text ?? '').filter((k): k is string => k !== null) })
    } catch (cause) {
      throw new DataError(
        `${name} manifest of batch ${batchId} does not parse; nothing in ${store.description} was swept`,
        { batchId },
        { cause },
      )
    }
  }
  const plan = planSweep(keys, committed, tables)
  if (!dryRun) for (const key of plan.orphans) await store.delete(key)
  deps.log.info(dryRun ? 'sweep (dry run): orphan files found' : 'sweep: orphan files deleted', {
    stage: 'sweep',
    store: name,
    orphans: plan.orphans.length,
    uncommitted: plan.uncommitted.length,
  })
  return { store: name, orphans: plan.orphans, uncommitted: plan.uncommitted.length }
}
