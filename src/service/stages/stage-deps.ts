/**
 * The one wiring of settings into stages. The CLI's commands, the Lambda handlers and the service run
 * every stage through the runners of this folder (one file a stage, so a Lambda bundles only its own
 * stage and a command loads only the one it runs), and each runner builds its stage's inputs from the
 * deps here: a setting reaches a stage the same way whichever entrypoint runs it.
 */
import type { Config, PurchaseFactTable } from '../../config.ts'
import type { Database } from '../../io/database.ts'
import type { ObjectStore } from '../../io/object-store.ts'
import type { Log, Progress } from '../../log.ts'

/** What a stage runs against: the settings, the log, the databases (opened on first use) and the stores. */
export interface StageDeps {
  readonly config: Config
  readonly log: Log
  source(): Promise<Database>
  warehouse(): Promise<Database>
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
}

/** The inputs of extract, transform and load in the stages' own words (tests and the bench build these). */
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
  /** Scratch files (DATA_DIR); default the OS temp folder. */
  readonly tmpDir?: string
  /** Set when EXTRACT_MODE=logical: the slot to read, and the source URL its replication connection uses. */
  readonly logical?: Config['cdc'] & { readonly sourceUrl: string | undefined }
}

/** The pipeline's inputs from the settings: the one place where a setting meets extract, transform or load. */
export function toPipelineDeps(deps: StageDeps): PipelineDeps {
  return {
    source: () => deps.source(),
    warehouse: () => deps.warehouse(),
    ingestion: deps.ingestion,
    processed: deps.processed,
    log: deps.log,
    lagMs: deps.config.extractLagMs,
    batchRows: deps.config.extractBatchRows,
    purchaseFactTable: deps.config.purchaseFactTable,
    tmpDir: deps.config.dataDir,
    ...(deps.config.extractMode === 'logical' && {
      logical: {
        ...deps.config.cdc,
        sourceUrl: deps.config.totesysDb.kind === 'server' ? deps.config.totesysDb.url : undefined,
      },
    }),
  }
}

/** What a batch stage may be told: where to stop, and a bar to move (a terminal's; silent elsewhere). */
export interface BatchStageOptions {
  readonly untilBatchId?: string
  readonly progress?: Progress
}
