/**
 * `sweep`: deletes the orphan data files of both stores (see plan-sweep.ts). Files of uncommitted
 * batches are only counted. A manifest that does not parse stops the sweep of that store: without it
 * we cannot tell which files the batch holds, so nothing there is deleted.
 */
import { batchIdsFromKeys, manifestKey } from '../core/batch-id.ts'
import { DataError } from '../core/errors.ts'
import type { Codec } from '../core/manifests/codec.ts'
import { INGESTION_MANIFEST } from '../core/manifests/ingestion.ts'
import { PROCESSED_MANIFEST } from '../core/manifests/processed.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import { SOURCE_TABLES } from '../core/source-catalogue.ts'
import { WAREHOUSE_TABLES } from '../core/warehouse-catalogue.ts'
import type { ObjectStore } from '../io/object-store.ts'
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

/** A manifest codec of either store: each names its batch's data files under `tables[].key`. */
// biome-ignore lint/suspicious/noExplicitAny: only the shape of the parsed manifest matters here.
type ManifestKeys = Codec<any, { readonly tables: readonly { readonly key: string | null }[] }>

/** Finds the orphan data files of both stores and deletes them (not with `dryRun`). */
export async function runSweep(deps: SweepDeps, options: { dryRun?: boolean } = {}): Promise<SweepResult> {
  const dryRun = options.dryRun ?? false
  const stores = [
    await sweepStore(deps, 'ingestion', deps.ingestion, INGESTION_MANIFEST, SOURCE_TABLES, dryRun),
    await sweepStore(deps, 'processed', deps.processed, PROCESSED_MANIFEST, WAREHOUSE_TABLES, dryRun),
  ]
  return { dryRun, stores }
}

async function sweepStore(
  deps: SweepDeps,
  name: StoreSweep['store'],
  store: ObjectStore,
  codec: ManifestKeys,
  tables: readonly string[],
  dryRun: boolean,
): Promise<StoreSweep> {
  const keys = await store.list('')
  const committed: CommittedBatch[] = []
  for (const batchId of batchIdsFromKeys(keys)) {
    try {
      const manifest = await readManifest(store, manifestKey(batchId), codec)
      committed.push({ batchId, keys: manifest.tables.flatMap((t) => (t.key === null ? [] : [t.key])) })
    } catch (cause) {
      // The codec's message names the file and what to do; the sweep adds that it deleted nothing.
      const why = cause instanceof Error ? cause.message : String(cause)
      throw new DataError(
        `${name} manifest of batch ${batchId} does not parse; nothing in ${store.description} was swept: ${why}`,
        { batchId, key: manifestKey(batchId) },
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
