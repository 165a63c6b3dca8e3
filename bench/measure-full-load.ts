/**
 * (1) The full first load at a scale: seed a fresh source; extract, transform, load, each in a child (per
 * stage time and peak RSS); then the whole first load as a user runs it, `init` + `run` (the stages
 * overlapping) in one child into a second empty warehouse; then the COPY limits on the same source, and the
 * warehouse floor on the rows the stages loaded.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { PgDatabase } from '../src/io/pg-database.ts'
import { runInitWarehouse } from '../src/load/run-init.ts'
import { createBenchDatabase, databaseSizeMb, dropBenchDatabase, seedBenchSource } from './bench-databases.ts'
import { type LimitFigures, runLimit } from './measure-limit.ts'
import { runWarehouseFloor, type WarehouseFloorFigures } from './measure-warehouse-floor.ts'
import type { StageConfig } from './pipeline-deps.ts'
import { runStageInChild } from './run-stage.ts'
import { readServerCpuS } from './server-cpu.ts'
import { STAGES, type Stage } from './stage-child.ts'

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
  /** The stages' times added up (each alone in its child). */
  readonly totalS: number
  readonly peakRssMb: number
  /** `init` + `run` in one process: the whole first load as a user runs it (the target's figure). */
  readonly run: WholeRun
  readonly limit: LimitFigures
  /** The least a first load into this warehouse can take: its rows COPYed into a fresh one. */
  readonly floor: WarehouseFloorFigures
  /** Where it ran, for the measurements that continue on the same data. */
  readonly config: StageConfig
}

export interface WholeRun {
  readonly s: number
  readonly processS: number
  readonly peakRssMb: number
  /** CPU seconds of the `run` process (user + system, DuckDB's threads included). */
  readonly cpuS: number
  /** CPU seconds the PostgreSQL server spent meanwhile (source and warehouse; NaN when unreadable). */
  readonly serverCpuS: number
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

/** A step of the full load done (for a progress bar): seed, extract, transform, load, run, limit, floor. */
export const FULL_LOAD_STEPS = 7

/** Fresh source + warehouse databases (left for the caller to drop) and store folders under `workDir`. */
export async function runFullLoad(
  scale: number,
  workDir: string,
  profileDir?: string,
  onStep: (done: string) => void = () => {},
): Promise<FullLoad> {
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
  onStep('seed')

  const stages: StageFigures[] = []
  for (const stage of STAGES) {
    const before = stage === 'load' ? await databaseSizeMb(config.warehouseUrl) : 0
    const run = await runStageInChild(stage, config, { profileDir })
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
    onStep(stage)
  }
  const totalS = stages.reduce((a, b) => a + b.s, 0)
  const peakRssMb = Math.max(...stages.map((st) => st.peakRssMb))
  const run = await runWhole(config, join(workDir, 'run'), profileDir)
  onStep('init + run')
  const limit = await runLimit(config.sourceUrl, join(workDir, 'limit'))
  rmSync(join(workDir, 'limit'), { recursive: true, force: true })
  onStep('limit')
  const floor = await runWarehouseFloor(config.warehouseUrl, join(workDir, 'floor'))
  rmSync(join(workDir, 'floor'), { recursive: true, force: true })
  onStep('warehouse floor')
  return { scale, rows, seedS, stages, totalS, peakRssMb, run, limit, floor, config }
}

/** `init` + `run` in a child, into a fresh warehouse and stores (both dropped after). */
async function runWhole(config: StageConfig, dir: string, profileDir?: string): Promise<WholeRun> {
  const whole: StageConfig = {
    ...config,
    warehouseUrl: await createBenchDatabase('warehouse'),
    ingestionDir: join(dir, 'ingestion'),
    processedDir: join(dir, 'processed'),
    tmpDir: join(dir, 'tmp'),
  }
  for (const d of [whole.ingestionDir, whole.processedDir, whole.tmpDir]) mkdirSync(d, { recursive: true })
  try {
    const serverBefore = await readServerCpuS()
    const run = await runStageInChild('run', whole, { profileDir, cpu: true })
    const serverCpuS = (await readServerCpuS()) - serverBefore
    return {
      s: run.ms / 1000,
      processS: run.processMs / 1000,
      peakRssMb: run.maxRssMb,
      cpuS: run.cpuS,
      serverCpuS,
    }
  } finally {
    await dropBenchDatabase(whole.warehouseUrl)
    rmSync(dir, { recursive: true, force: true })
  }
}

async function seedAndInit(config: StageConfig, scale: number): Promise<number> {
  const counts = await seedBenchSource(config.sourceUrl, scale)
  const warehouse = new PgDatabase(config.warehouseUrl)
  try {
    await runInitWarehouse(warehouse, { purchaseFactTable: 'fact_purchase_orders' })
    return Object.values(counts).reduce((a, b) => a + b, 0)
  } finally {
    await warehouse.close()
  }
}
