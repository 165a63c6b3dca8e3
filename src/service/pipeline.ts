/** The three stages wired together: once (`totesys-etl run`) or as the watch loop's stages. */
import type { PurchaseFactTable } from '../config.ts'
import { type ExtractResult, runExtract } from '../extract/run-extract.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { type LoadResult, runLoad } from '../load/run-load.ts'
import type { Log } from '../log.ts'
import { runTransform, type TransformResult } from '../transform/run-transform.ts'
import type { WatchStages } from './run-watch.ts'

export interface PipelineDeps {
  source(): Promise<Database>
  warehouse(): Promise<Database>
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  readonly log: Log
  readonly lagMs: number
  /** The most rows per ingestion batch (EXTRACT_BATCH_ROWS); default DEFAULT_BATCH_ROWS. */
  readonly batchRows?: number
  readonly purchaseFactTable: PurchaseFactTable
  readonly tmpDir?: string
}

export interface PipelineResult {
  readonly extract: ExtractResult
  readonly transform: TransformResult
  readonly load: LoadResult
}

/** Extract, transform, load once, each doing only pending work. */
export async function runPipelineOnce(deps: PipelineDeps): Promise<PipelineResult> {
  const stages = toStageRunners(deps)
  const extract = await stages.extract()
  const transform = await stages.transform()
  const load = await stages.load()
  return { extract, transform, load }
}

function toStageRunners(deps: PipelineDeps) {
  const tmp = deps.tmpDir === undefined ? {} : { tmpDir: deps.tmpDir }
  return {
    extract: async () =>
      runExtract(
        { source: await deps.source(), ingestion: deps.ingestion, log: deps.log },
        { lagMs: deps.lagMs, ...(deps.batchRows === undefined ? {} : { maxBatchRows: deps.batchRows }) },
      ),
    transform: () =>
      runTransform({ ingestion: deps.ingestion, processed: deps.processed, log: deps.log, ...tmp }),
    load: async () =>
      runLoad({
        warehouse: await deps.warehouse(),
        processed: deps.processed,
        log: deps.log,
        purchaseFactTable: deps.purchaseFactTable,
        ...tmp,
      }),
  }
}

/** The stages as the watch loop drives them. */
export function toWatchStages(deps: PipelineDeps): WatchStages {
  const stages = toStageRunners(deps)
  return {
    extract: async () => (await stages.extract()).batchId,
    transform: async () => (await stages.transform()).batches.filter((b) => b.committed).length,
    load: async () => {
      const { loaded } = await stages.load()
      const rows = loaded.reduce(
        (sum, b) => sum + Object.values(b.tables).reduce((n, t) => n + (t?.rows ?? 0), 0),
        0,
      )
      return { batches: loaded.length, rows }
    },
  }
}
