/**
 * The one wiring of the stages: how each stage's inputs are built from the settings and the opened
 * databases and stores. The CLI's commands, the Lambda handlers and the service run every stage through
 * here, so a setting reaches a stage the same way whichever entrypoint runs it. Each runner loads its
 * stage when it runs: a command pays only for the stage it runs.
 */
import type { Config, PurchaseFactTable } from '../config.ts'
import type { DatasetOutcome } from '../datasets/run-datasets.ts'
import type { ExtractResult } from '../extract/run-extract.ts'
import type { FxProvider } from '../fx/fx-provider.ts'
import type { FxInput, FxResult } from '../fx/run-fx.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { InitResult } from '../load/run-init.ts'
import type { LoadResult } from '../load/run-load.ts'
import type { Log, Progress } from '../log.ts'
import type { TransformResult } from '../transform/run-transform.ts'
import {
  BATCH_DONE_MESSAGES,
  runListBatchIds,
  toPendingBatchIds,
  withBatchProgress,
} from './batch-progress.ts'

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
  }
}

/** Extracts every change since the last batch; `untilMs` (a Lambda's budget) starts no batch after it. */
export async function runExtractStage(
  deps: PipelineDeps,
  options: { readonly untilMs?: number } = {},
): Promise<ExtractResult> {
  const { runExtract } = await import('../extract/run-extract.ts')
  return runExtract(
    { source: await deps.source(), ingestion: deps.ingestion, log: deps.log },
    {
      lagMs: deps.lagMs,
      ...(deps.batchRows === undefined ? {} : { maxBatchRows: deps.batchRows }),
      ...(options.untilMs === undefined ? {} : { untilMs: options.untilMs }),
    },
  )
}

/** What a batch stage may be told: where to stop, and a bar to move (a terminal's; silent elsewhere). */
export interface BatchStageOptions {
  readonly untilBatchId?: string
  readonly progress?: Progress
}

/** Transforms every pending ingestion batch (up to `untilBatchId`). */
export async function runTransformStage(
  deps: PipelineDeps,
  options: BatchStageOptions = {},
): Promise<TransformResult> {
  const { runTransform } = await import('../transform/run-transform.ts')
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

/** Loads every processed batch the warehouse lacks, in order (up to `untilBatchId`). */
export async function runLoadStage(deps: PipelineDeps, options: BatchStageOptions = {}): Promise<LoadResult> {
  const { runLoad } = await import('../load/run-load.ts')
  const { runReadLedgerBatchIds } = await import('../load/load-ledger.ts')
  const { planLoad } = await import('../load/plan-load.ts')
  const until = options.untilBatchId
  const warehouse = await deps.warehouse()
  const pending = async () =>
    planLoad(await runListBatchIds(deps.processed), await runReadLedgerBatchIds(warehouse), until).pending
      .length
  return withBatchProgress(deps.log, options.progress, BATCH_DONE_MESSAGES.load, pending, (log) =>
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
}

/** Creates the warehouse tables and the load ledger that are missing (idempotent). */
export async function runInitStage(deps: PipelineDeps): Promise<InitResult> {
  const { runInitWarehouse } = await import('../load/run-init.ts')
  return runInitWarehouse(await deps.warehouse(), { purchaseFactTable: deps.purchaseFactTable })
}

export interface FxStageOptions {
  /** Days up to today when no range is given; default FX_DAYS. */
  readonly days?: number
  /** The provider's URL; default FX_PROVIDER_URL, else the public Frankfurter. */
  readonly providerUrl?: string
  /** A bar moved one request for each answer (a backfill of a year is thousands of requests). */
  readonly progress?: Progress
  /** The clock "today" is read by. */
  readonly now?: () => number
}

/** Lands, transforms and loads FX rates for a range of days, or for the last few days when none is given. */
export async function runFxStage(
  deps: StageDeps,
  range: FxInput | undefined,
  options: FxStageOptions = {},
): Promise<FxResult> {
  const { frankfurterProvider } = await import('../fx/fx-provider.ts')
  const { planFxWindow, runFx } = await import('../fx/run-fx.ts')
  const now = options.now ?? Date.now
  const url = options.providerUrl ?? deps.config.fxProviderUrl
  const provider = frankfurterProvider(url === undefined ? {} : { baseUrl: url })
  const input = range ?? planFxWindow(now(), options.days ?? deps.config.fxDays)
  const warehouse = await deps.warehouse()
  const progress = options.progress
  if (progress) await runStartFxProgress(warehouse, input, now(), progress)
  try {
    return await runFx(
      {
        warehouse,
        ingestion: deps.ingestion,
        processed: deps.processed,
        log: deps.log,
        provider: progress ? countingAnswers(provider, progress) : provider,
        tmpDir: deps.config.dataDir,
        now,
      },
      input,
    )
  } finally {
    progress?.stop()
  }
}

/** Starts the bar at one request per day and base currency, when the range and currencies can be read. */
async function runStartFxProgress(
  warehouse: Database,
  input: FxInput,
  nowMs: number,
  progress: Progress,
): Promise<void> {
  const { parseFxRange, runReadCurrencies } = await import('../fx/run-fx.ts')
  const { daysBetween } = await import('../extensions/exact-decimal.ts')
  try {
    const range = parseFxRange(input, nowMs)
    const currencies = await runReadCurrencies(warehouse)
    progress.start(daysBetween(range.from, range.to).length * currencies.length)
  } catch {
    // runFx says what is wrong (a bad range, an empty or missing dim_currency).
  }
}

/** A provider that moves a bar one request for each answer it returns. */
function countingAnswers(provider: FxProvider, progress: Progress): FxProvider {
  return {
    name: provider.name,
    async fetchDay(date, base, quotes) {
      const answer = await provider.fetchDay(date, base, quotes)
      progress.advance(1, date)
      return answer
    },
  }
}

/** One round of every dataset configured in DATASETS (or only the one named). */
export async function runDatasetsStage(deps: StageDeps, only?: string): Promise<DatasetOutcome[]> {
  const { runDatasets } = await import('../datasets/run-datasets.ts')
  const { openExternalSource } = await import('../io/external-source.ts')
  const { config } = deps
  return runDatasets(
    {
      warehouse: await deps.warehouse(),
      ingestion: deps.ingestion,
      processed: deps.processed,
      log: deps.log,
      openSource: (location) => openExternalSource(location, config.s3Endpoint, config.s3Region),
      tmpDir: config.dataDir,
    },
    config.datasets,
    only,
  )
}
