/** In-process pipeline dependencies on the bench's databases and folders (as `run` and `watch` build them). */
import { FolderStore } from '../src/io/folder-store.ts'
import { PgDatabase } from '../src/io/pg-database.ts'
import { silentLog } from '../src/log.ts'
import type { PipelineDeps } from '../src/service/pipeline.ts'

/** Where a bench stage runs: the databases and folders of one measurement. */
export interface StageConfig {
  readonly sourceUrl: string
  readonly warehouseUrl: string
  readonly ingestionDir: string
  readonly processedDir: string
  readonly tmpDir: string
  readonly lagMs: number
  /** DuckDB memory_limit for the transform (default: the stage's own default); for experiments. */
  readonly transformMemoryLimit?: string
}

export interface OpenPipeline {
  readonly deps: PipelineDeps
  close(): Promise<void>
}

/** Opens the source and warehouse once; close() ends both pools. */
export function openPipeline(config: StageConfig): OpenPipeline {
  const source = new PgDatabase(config.sourceUrl)
  const warehouse = new PgDatabase(config.warehouseUrl)
  const deps: PipelineDeps = {
    source: async () => source,
    warehouse: async () => warehouse,
    ingestion: new FolderStore(config.ingestionDir),
    processed: new FolderStore(config.processedDir),
    log: silentLog,
    lagMs: config.lagMs,
    purchaseFactTable: 'fact_purchase_orders',
    tmpDir: config.tmpDir,
  }
  return { deps, close: async () => Promise.all([source.close(), warehouse.close()]).then(() => undefined) }
}
