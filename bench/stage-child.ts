/**
 * Runs ONE pipeline stage in its own process, with the same run* function the CLI uses, and prints one
 * JSON line: { stage, ms, maxRssMb, rows }. Its own process so peak RSS belongs to that stage alone.
 * `run` is the whole first load as a user runs it: `init` then `run` (the stages overlapping).
 * Usage: tsx bench/stage-child.ts <extract|transform|load|run> '<StageConfig JSON>'
 */
import { performance } from 'node:perf_hooks'
import { runExtract } from '../src/extract/run-extract.ts'
import { FolderStore } from '../src/io/folder-store.ts'
import { PgDatabase } from '../src/io/pg-database.ts'
import { runInitWarehouse } from '../src/load/run-init.ts'
import { runLoad } from '../src/load/run-load.ts'
import { silentLog } from '../src/log.ts'
import { runPipelineOnce } from '../src/service/pipeline.ts'
import { runTransform } from '../src/transform/run-transform.ts'
import { openPipeline, type StageConfig } from './pipeline-deps.ts'

export const STAGES = ['extract', 'transform', 'load'] as const
/** A stage, or the whole pipeline (`run`). */
export type Stage = (typeof STAGES)[number] | 'run'

export interface StageReport {
  readonly stage: Stage
  readonly ms: number
  readonly maxRssMb: number
  /** Rows the stage read (extract) or wrote (transform, load). */
  readonly rows: number
  /** Peaks of the JS heap and of external memory (Buffers), sampled every 50 ms: RSS minus these is native memory (DuckDB, zlib, …). */
  readonly peakHeapMb: number
  readonly peakExternalMb: number
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0)

/** `init` + `run` into an empty warehouse; returns the rows loaded. */
async function runWhole(config: StageConfig): Promise<number> {
  const pipeline = openPipeline(config)
  try {
    await runInitWarehouse(await pipeline.deps.warehouse(), {
      purchaseFactTable: pipeline.deps.purchaseFactTable,
    })
    const result = await runPipelineOnce(pipeline.deps)
    return sum(result.load.loaded.flatMap((b) => Object.values(b.tables).map((t) => t?.rows ?? 0)))
  } finally {
    await pipeline.close()
  }
}

async function runStage(stage: Stage, config: StageConfig): Promise<number> {
  const log = silentLog
  if (stage === 'run') return runWhole(config)
  if (stage === 'extract') {
    const source = new PgDatabase(config.sourceUrl)
    try {
      const ingestion = new FolderStore(config.ingestionDir)
      const result = await runExtract({ source, ingestion, log }, { lagMs: config.lagMs })
      return sum(Object.values(result.rows).map((n) => n ?? 0))
    } finally {
      await source.close()
    }
  }
  if (stage === 'transform') {
    const stores = {
      ingestion: new FolderStore(config.ingestionDir),
      processed: new FolderStore(config.processedDir),
    }
    const memory = config.transformMemoryLimit ? { memoryLimit: config.transformMemoryLimit } : {}
    const result = await runTransform({ ...stores, log, tmpDir: config.tmpDir, ...memory })
    return sum(result.batches.flatMap((b) => Object.values(b.rows)))
  }
  const warehouse = new PgDatabase(config.warehouseUrl)
  try {
    const processed = new FolderStore(config.processedDir)
    const purchaseFactTable = 'fact_purchase_orders'
    const result = await runLoad({ warehouse, processed, log, purchaseFactTable, tmpDir: config.tmpDir })
    return sum(result.loaded.flatMap((b) => Object.values(b.tables).map((t) => t?.rows ?? 0)))
  } finally {
    await warehouse.close()
  }
}

async function main(): Promise<void> {
  const [stage, json] = process.argv.slice(2)
  if (![...STAGES, 'run'].includes(stage as Stage) || json === undefined) {
    throw new Error(`usage: stage-child.ts <${STAGES.join('|')}|run> '<config json>'`)
  }
  let peakHeapMb = 0
  let peakExternalMb = 0
  const sampler = setInterval(() => {
    const usage = process.memoryUsage()
    peakHeapMb = Math.max(peakHeapMb, usage.heapUsed / 2 ** 20)
    peakExternalMb = Math.max(peakExternalMb, usage.external / 2 ** 20)
  }, 50)
  const started = performance.now()
  const rows = await runStage(stage as Stage, JSON.parse(json) as StageConfig)
  const ms = performance.now() - started
  clearInterval(sampler)
  const maxRssMb = process.resourceUsage().maxRSS / 1024
  const report: StageReport = { stage: stage as Stage, ms, maxRssMb, rows, peakHeapMb, peakExternalMb }
  console.log(JSON.stringify(report))
}

// Only when run as a script (run-stage.ts imports the types).
if (process.argv[1]?.endsWith('stage-child.ts')) await main()
