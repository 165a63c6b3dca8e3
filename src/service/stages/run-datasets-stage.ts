import { openExternalSource } from '../../io/external-source.ts'
import { type DatasetOutcome, runDatasets } from '../../streams/datasets/run-datasets.ts'
import type { StageDeps } from './stage-deps.ts'

/** One round of every dataset configured in DATASETS (or only the one named). */
export async function runDatasetsStage(deps: StageDeps, only?: string): Promise<DatasetOutcome[]> {
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
