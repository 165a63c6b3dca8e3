/**
 * The transform stage: every committed ingestion batch without a processed manifest, in batch order,
 * becomes a processed batch (parquet per warehouse table + manifest). Stops at the first failing batch:
 * later batches start from its state.
 */
import { batchIdsFromKeys, MANIFEST_PREFIX } from '../core/batch-id.ts'
import { runReadIngestionManifest } from './earlier-batches.ts'
import { type BatchOutcome, runTransformBatch, type TransformDeps } from './transform-batch.ts'

export type { BatchOutcome, TransformDeps } from './transform-batch.ts'

export interface TransformResult {
  /** The batches this run transformed (committed or lost to a concurrent run), in order. */
  readonly batches: readonly BatchOutcome[]
}

/** Transforms every pending ingestion batch (up to `untilBatchId` inclusive). */
export async function runTransform(
  deps: TransformDeps,
  input: { readonly untilBatchId?: string } = {},
): Promise<TransformResult> {
  const ingestionIds = batchIdsFromKeys(await deps.ingestion.list(MANIFEST_PREFIX))
  const processedIds = new Set(batchIdsFromKeys(await deps.processed.list(MANIFEST_PREFIX)))
  const batches: BatchOutcome[] = []
  let previous: string | undefined
  for (const batchId of ingestionIds) {
    if (input.untilBatchId !== undefined && batchId > input.untilBatchId) break
    if (processedIds.has(batchId)) {
      previous = batchId
      continue
    }
    const started = Date.now()
    const manifest = await runReadIngestionManifest(deps.ingestion, batchId)
    const outcome = await runTransformBatch(deps, manifest, previous)
    deps.log.info('batch transformed', {
      stage: 'transform',
      batchId,
      committed: outcome.committed,
      rows: outcome.rows,
      quarantinedRows: outcome.quarantinedRows,
      // Only when some were: rows skipped as versions an earlier batch already holds (a widened lag).
      ...(outcome.takenRows > 0 ? { takenRows: outcome.takenRows } : {}),
      ms: Date.now() - started,
    })
    batches.push(outcome)
    previous = batchId
  }
  return { batches }
}
