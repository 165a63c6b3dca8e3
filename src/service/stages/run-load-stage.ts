import { runReadLedgerBatchIds } from '../../load/load-ledger.ts'
import { planLoad } from '../../load/plan-load.ts'
import { type InitResult, runInitWarehouse } from '../../load/run-init.ts'
import { type LoadResult, runLoad } from '../../load/run-load.ts'
import { BATCH_DONE_MESSAGES, runListBatchIds, withBatchProgress } from './batch-progress.ts'
import type { BatchStageOptions, PipelineDeps } from './stage-deps.ts'

/** Loads every processed batch the warehouse lacks, in order (up to `untilBatchId`). */
export async function runLoadStage(deps: PipelineDeps, options: BatchStageOptions = {}): Promise<LoadResult> {
  const until = options.untilBatchId
  const warehouse = await deps.warehouse()
  const pending = async () =>
    planLoad(await runListBatchIds(deps.processed), await runReadLedgerBatchIds(warehouse), until).pending
      .length
  const loaded = await withBatchProgress(
    deps.log,
    options.progress,
    BATCH_DONE_MESSAGES.load,
    pending,
    (log) =>
      runLoad(
        {
          warehouse,
          processed: deps.processed,
          log,
          purchaseFactTable: deps.purchaseFactTable,
          ...(deps.tmpDir === undefined ? {} : { tmpDir: deps.tmpDir }),
        },
        until === undefined ? {} : { untilBatchId: until },
      ),
  )
  // Logical mode's tombstones (and, once its tables exist, in any mode: a switch back loses none).
  const { runLoadDeletes } = await import('../../load/run-load-deletes.ts')
  await runLoadDeletes(
    { warehouse, ingestion: deps.ingestion, log: deps.log },
    { create: deps.logical !== undefined },
  )
  return loaded
}

/** Creates the warehouse tables and the load ledger that are missing (idempotent). */
export async function runInitStage(deps: PipelineDeps): Promise<InitResult> {
  return runInitWarehouse(await deps.warehouse(), { purchaseFactTable: deps.purchaseFactTable })
}
