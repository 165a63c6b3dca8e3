/** (1) The full first load at a scale: seed a fresh source, then extract, transform, load, each in a child. */
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { PgDatabase } from '../src/io/pg-database.ts'
import { runInitWarehouse } from '../src/load/run-init.ts'
import { silentLog } from '../src/log.ts'
import { runSeed } from '../src/simulator/run-seed.ts'
import { createBenchDatabase, databaseSizeMb } from './bench-databases.ts'
import { runStageInChild } from './run-stage.ts'
import { STAGES, type Stage, type StageConfig } from './stage-child.ts'

/** The extract lag the CLI uses by default (EXTRACT_LAG = 2 minutes). */
export const DEFAULT_LAG_MS = 120_000

export interface StageFigures {
  readonly stage: Stage
  readonly s: number
  readonly processS: number
  readonly rows: number
  readonly rowsPerS: number
  readonly mbWritten: number
  readonly peakRssMb: number
  readonly peakHeapMb: number
  readonly peakExternalMb: number
}

export interface FullLoad {
  readonly scale: number
  /** Source rows, all 11 tables. */
  readonly rows: number
  readonly seedS: number
  readonly stages: readonly StageFigures[]
  readonly totalS: number
  readonly peakRssMb: number
  /** Where it ran, for the measurements that continue on the same data. */
  readonly config: StageConfig
}

/** Total size of the files under a folder, in MB. */
export function folderSizeMb(dir: string): number {
  let bytes = 0
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) walk(path)
      else bytes += statSync(path).size
    }
  }
  walk(dir)
  return bytes / 1e6
}

/** Fresh source + warehouse databases (left for the caller to drop) and store folders under `workDir`. */
export async function runFullLoad(scale: number, workDir: string, profileDir?: string): Promise<FullLoad> {
  const config: StageConfig = {
    sourceUrl: await createBenchDatabase('source'),
    warehouseUrl: await createBenchDatabase('warehouse'),
    ingestionDir: join(workDir, 'ingestion'),
    processedDir: join(workDir, 'processed'),
    tmpDir: join(workDir, 'tmp'),
    lagMs: DEFAULT_LAG_MS,
  }
  for (const dir of [config.ingestionDir, config.processedDir, config.tmpDir])
    mkdirSync(dir, { recursive: true })
  const seedStarted = performance.now()
  const rows = await seedAndInit(config, scale)
  const seedS = (performance.now() - seedStarted) / 1000

  const stages: StageFigures[] = []
  for (const stage of STAGES) {
    const before = stage === 'load' ? await databaseSizeMb(config.warehouseUrl) : 0
    const run = await runStageInChild(stage, config, profileDir)
    const mbWritten =
      stage === 'extract'
        ? folderSizeMb(config.ingestionDir)
        : stage === 'transform'
          ? folderSizeMb(config.processedDir)
          : (await databaseSizeMb(config.warehouseUrl)) - before
    const s = run.ms / 1000
    stages.push({
      stage,
      s,
      processS: run.processMs / 1000,
      rows: run.rows,
      rowsPerS: rows / s,
      mbWritten,
      peakRssMb: run.maxRssMb,
      peakHeapMb: run.peakHeapMb,
      peakExternalMb: run.peakExternalMb,
    })
  }
  const totalS = stages.reduce((a, b) => a + b.s, 0)
  const peakRssMb = Math.max(...stages.map((st) => st.peakRssMb))
  return { scale, rows, seedS, stages, totalS, peakRssMb, config }
}

async function seedAndInit(config: StageConfig, scale: number): Promise<number> {
  const source = new PgDatabase(config.sourceUrl)
  const warehouse = new PgDatabase(config.warehouseUrl)
  try {
    const counts = await runSeed(source, { kind: 'synthetic', scale, seed: 42 }, { log: silentLog })
    await source.exec('ANALYZE')
    await runInitWarehouse(warehouse, { purchaseFactTable: 'fact_purchase_orders' })
    return Object.values(counts).reduce((a, b) => a + b, 0)
  } finally {
    await Promise.all([source.close(), warehouse.close()])
  }
}
