/**
 * Times a first load's load stage alone on a kept, transformed lake, so code that changes only the load
 * can be compared in turn (old and new worktrees) on the same batches (issue 16, target 1).
 *   tsx bench/profile-first-load.ts setup <dir> <scale>
 *       seed a source (dropped after), extract and transform it into <dir>; writes <dir>/config.json.
 *   tsx bench/profile-first-load.ts load <dir> [<worktree>]
 *       a fresh warehouse (init), the load stage in a child of <worktree>'s bench/stage-child.ts (default:
 *       this one), its wall and the child's CPU, then every warehouse table's row count; the warehouse is
 *       dropped after. Prints one JSON line.
 * Database names take BENCH_DB_PREFIX (bench-databases.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WAREHOUSE_TABLES } from '../src/core/warehouse-catalogue.ts'
import { PgDatabase } from '../src/io/pg-database.ts'
import { runInitWarehouse } from '../src/load/run-init.ts'
import { createBenchDatabase, dropBenchDatabase, seedBenchSource } from './bench-databases.ts'
import { DEFAULT_LAG_MS } from './measure-full-load.ts'
import type { StageConfig } from './pipeline-deps.ts'
import { runStageInChild } from './run-stage.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const [mode, dir = '/tmp/profile-first-load', arg] = process.argv.slice(2)
const configPath = join(dir, 'config.json')

async function setup(scale: number): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const config: StageConfig = {
    sourceUrl: await createBenchDatabase('source'),
    warehouseUrl: '',
    ingestionDir: join(dir, 'ingestion'),
    processedDir: join(dir, 'processed'),
    tmpDir: join(dir, 'tmp'),
    lagMs: DEFAULT_LAG_MS,
  }
  for (const d of [config.ingestionDir, config.processedDir, config.tmpDir]) mkdirSync(d, { recursive: true })
  try {
    await seedBenchSource(config.sourceUrl, scale)
    for (const stage of ['extract', 'transform'] as const) {
      const run = await runStageInChild(stage, config)
      console.log(`${stage}: ${(run.ms / 1000).toFixed(1)} s, ${run.rows} rows`)
    }
  } finally {
    await dropBenchDatabase(config.sourceUrl)
  }
  writeFileSync(configPath, JSON.stringify(config, null, 2))
  console.log(`set up at ${dir}`)
}

async function load(worktree: string): Promise<void> {
  const stored = JSON.parse(readFileSync(configPath, 'utf8')) as StageConfig
  const config: StageConfig = { ...stored, warehouseUrl: await createBenchDatabase('warehouse') }
  try {
    const warehouse = new PgDatabase(config.warehouseUrl)
    try {
      await runInitWarehouse(warehouse, { purchaseFactTable: 'fact_purchase_orders' })
    } finally {
      await warehouse.close()
    }
    const run = await runStageInChild('load', config, {
      child: join(worktree, 'bench', 'stage-child.ts'),
      cwd: worktree,
      cpu: true,
    })
    const counted = new PgDatabase(config.warehouseUrl)
    const rows: Record<string, number> = {}
    try {
      for (const table of WAREHOUSE_TABLES) {
        const [row] = await counted.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`)
        rows[table] = row?.n ?? 0
      }
    } finally {
      await counted.close()
    }
    console.log(
      JSON.stringify({ worktree, s: run.ms / 1000, processS: run.processMs / 1000, cpuS: run.cpuS, rows }),
    )
  } finally {
    await dropBenchDatabase(config.warehouseUrl)
  }
}

if (mode === 'setup') await setup(Number(arg ?? '30'))
else if (mode === 'load') await load(resolve(arg ?? ROOT))
else throw new Error('usage: profile-first-load.ts setup <dir> <scale> | load <dir> [<worktree>]')
