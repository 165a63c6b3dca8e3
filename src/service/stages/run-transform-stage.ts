import { runTransform, type TransformResult } from '../../transform/run-transform.ts'
import {
  BATCH_DONE_MESSAGES,
  runListBatchIds,
  toPendingBatchIds,
  withBatchProgress,
} from './batch-progress.ts'
import type { BatchStageOptions, PipelineDeps } from './stage-deps.ts'

/** Transforms every pending ingestion batch (up to `untilBatchId`). */
export async function runTransformStage(
  deps: PipelineDeps,
  options: BatchStageOptions = {},
): Promise<TransformResult> {
  const until = options.untilBatchId
  const pending = async () =>
    toPendingBatchIds(await runListBatchIds(deps.ingestion), await runListBatchIds(deps.processed), until)
      .length
  return withBatchProgress(deps.log, options.progress, BATCH_DONE_MESSAGES.transform, pending, (log) =>
    runTransform(
      {
        ingestion: deps.ingestion,
        processed: deps.processed,
        log,
        ...(deps.tmpDir === undefined ? {} : { tmpDir: deps.tmpDir }),
      },
      until === undefined ? {} : { untilBatchId: until },
    ),
  )
}
