/** The datasets job's dependencies from the shared Deps: the same for the CLI and the Lambda handler. */
import type { runDatasets } from '../datasets/run-datasets.ts'
import { openExternalSource } from '../io/external-source.ts'
import type { Deps } from './make-deps.ts'

export async function toDatasetDeps(deps: Deps): Promise<Parameters<typeof runDatasets>[0]> {
  return {
    warehouse: await deps.warehouse(),
    ingestion: deps.ingestion,
    processed: deps.processed,
    log: deps.log,
    openSource: (location) => openExternalSource(location, deps.config.s3Endpoint),
    tmpDir: deps.config.dataDir,
  }
}
