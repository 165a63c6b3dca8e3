/**
 * `transform --batch <id> --redo`: rebuilds one processed batch (its parquet files, quarantine entries,
 * state and manifest) from the ingestion batch and the state of the batch before it. The transform is a
 * pure function of those two, so the rebuilt batch holds the same rows as the one it replaces; what it
 * repairs is a processed file or manifest that was damaged or removed (the load refuses a parquet file
 * whose sha256 does not match and names this command).
 *
 * Refused when the batch is already in the warehouse's load ledger: the load never reads a loaded batch
 * again, so a rebuild could not reach the warehouse and would only hide what happened; a processed batch
 * that is loaded and damaged matters only to a rebuild of the warehouse from the lake (docs/OPERATIONS.md).
 * Also refused when the batch before it has no processed state yet: run `transform` first.
 */
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey } from '../core/batch-id.ts'
import { ConfigError } from '../core/errors.ts'
import { INGESTION_MANIFEST } from '../core/manifests/ingestion.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import { runCheckLakeFile } from './run-check-lake-file.ts'
import { type BatchOutcome, runTransformBatch, type TransformDeps } from './transform-batch.ts'
import { runReadStateMeta } from './transform-state.ts'

/** Rebuilds the processed batch `batchId`; `isLoaded` asks the warehouse's ledger. */
export async function runRedoBatch(
  deps: TransformDeps,
  input: { readonly batchId: string; readonly isLoaded: (batchId: string) => Promise<boolean> },
): Promise<BatchOutcome> {
  const { batchId } = input
  const ids = batchIdsFromKeys(await deps.ingestion.list(MANIFEST_PREFIX))
  if (!ids.includes(batchId))
    throw new ConfigError(`no ingestion batch ${batchId} in ${deps.ingestion.description}`, { batchId })
  if (await input.isLoaded(batchId)) {
    throw new ConfigError(
      `batch ${batchId} is already loaded into the warehouse (its ledger says so); the load never reads it again, so there is nothing to redo. To rebuild the warehouse from the lake, see docs/OPERATIONS.md`,
      { stage: 'transform', batchId },
    )
  }
  const previous = ids.filter((id) => id < batchId).at(-1)
  if (previous !== undefined && (await runReadStateMeta(deps.processed, previous)) === undefined) {
    throw new ConfigError(
      `batch ${previous}, the one before ${batchId}, has no transform state yet; run 'totesys-etl transform' first`,
      { stage: 'transform', batchId },
    )
  }
  const manifest = await readManifest(deps.ingestion, manifestKey(batchId), INGESTION_MANIFEST)
  // The lake is checked before the old manifest goes: a damaged ingestion file must not turn a good
  // processed batch into a pending one that cannot be rebuilt.
  for (const t of manifest.tables) {
    if (t.key === null || t.rows === 0) continue
    await runCheckLakeFile(
      deps.ingestion,
      { key: t.key, batchId, table: t.table, expected: t.sha256 },
      { store: deps.ingestion.description, stage: 'transform', log: deps.log },
    )
  }
  // The old manifest goes first (it may not even parse): until the new one is created the batch is
  // pending again, which the load waits for and a concurrent transform may race for (one commit wins).
  await deps.processed.delete(manifestKey(batchId))
  const outcome = await runTransformBatch(deps, manifest, previous)
  deps.log.info('processed batch rebuilt from the lake', {
    stage: 'transform',
    batchId,
    committed: outcome.committed,
    rows: outcome.rows,
  })
  return outcome
}
