/**
 * One round of the JSON datasets: for each configured dataset, pick up its new files, transform the
 * landed batches and load them into the dataset's table, through the stream path FX uses too. A dataset
 * that fails is reported (and alerted) without stopping the others; the run fails at the end if any did.
 */
import type { StoreLocation } from '../../config.ts'
import type { DatasetConfig } from '../../core/dataset-config.ts'
import { EtlError } from '../../core/errors.ts'
import type { Database } from '../../io/database.ts'
import type { ExternalSource } from '../../io/external-source.ts'
import type { ObjectStore } from '../../io/object-store.ts'
import { errorFields, type Log } from '../../log.ts'
import { runLoadStream, type StreamLoadResult } from '../run-load-stream.ts'
import { runTransformStream, type StreamTransformOutcome } from '../run-transform-stream.ts'
import { datasetModel, parseBatchSchema } from './dataset-model.ts'
import { toDatasetTable } from './dataset-schema.ts'
import { type PickupResult, runDatasetPickup } from './run-dataset-pickup.ts'
import { datasetStream } from './run-dataset-schema.ts'

export interface DatasetsDeps {
  readonly warehouse: Database
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  readonly log: Log
  openSource(location: StoreLocation): ExternalSource
  readonly tmpDir?: string
  readonly now?: () => number
}

export interface DatasetOutcome {
  readonly dataset: string
  readonly pickup?: PickupResult
  readonly transformed?: readonly StreamTransformOutcome[]
  readonly loaded?: StreamLoadResult
  readonly error?: string
}

/** Picks up, transforms and loads every configured dataset (or only `only`). */
export async function runDatasets(
  deps: DatasetsDeps,
  datasets: readonly DatasetConfig[],
  only?: string,
): Promise<DatasetOutcome[]> {
  const chosen = only === undefined ? datasets : datasets.filter((d) => d.name === only)
  if (only !== undefined && chosen.length === 0)
    throw new EtlError(`no dataset named ${only} is configured (DATASETS)`, { stage: 'datasets' })
  const tmp = deps.tmpDir === undefined ? {} : { tmpDir: deps.tmpDir }
  const outcomes: DatasetOutcome[] = []
  for (const dataset of chosen) {
    try {
      const pickup = await runDatasetPickup(
        {
          ingestion: deps.ingestion,
          source: deps.openSource(dataset.source),
          log: deps.log,
          ...(deps.now ? { now: deps.now } : {}),
        },
        dataset,
      )
      const transformed = await runTransformStream(
        { ingestion: deps.ingestion, processed: deps.processed, log: deps.log, ...tmp },
        datasetModel(dataset.name),
      )
      const loaded = await runLoadStream(
        { warehouse: deps.warehouse, processed: deps.processed, log: deps.log, ...tmp },
        {
          stream: datasetStream(dataset.name),
          tablesOf: (manifest) => [toDatasetTable(parseBatchSchema(manifest.meta, manifest.batchId))],
        },
      )
      outcomes.push({ dataset: dataset.name, pickup, transformed, loaded })
    } catch (error) {
      deps.log.alert('dataset run failed', {
        stage: 'datasets',
        dataset: dataset.name,
        ...errorFields(error),
      })
      outcomes.push({ dataset: dataset.name, error: (error as Error).message })
    }
  }
  return outcomes
}
