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
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WAREHOUSE_TABLES } from '../src/core/warehouse-catalogue.ts'
import { PgDatabase } from '../src/io/pg-database.ts'
import { runInitWarehouse } from '../src/load/run-init.ts'
import { silentLog } from '../src/log.ts'
import { runSeed } from '../src/simulator/run-seed.ts'
import { createBenchDatabase, dropBenchDatabase } from './bench-databases.ts'
import { DEFAULT_LAG_MS } from './measure-full-load.ts'
import { runStageInChild } from './run-stage.ts'
import type { StageConfig, StageReport } from './stage-child.ts'

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
    const source = new PgDatabase(config.sourceUrl)
    try {
      await runSeed(source, { kind: 'synthetic', scale, seed: 42 }, { log: silentLog })
      await source.exec('ANALYZE')
    } finally {
      await source.close()
    }
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

/** The load stage in a child of `worktree`, with the child's CPU seconds (user + system). */
function runLoadChild(
  worktree: string,
  config: StageConfig,
): Promise<StageReport & { wallMs: number; cpuS: number }> {
  const child = join(worktree, 'bench', 'stage-child.ts')
  const started = performance.now()
  return new Promise((resolvePromise, reject) => {
    // `time -f` for the child's CPU: resourceUsage of a spawned child is not offered by Node.
    const proc = spawn(
      '/usr/bin/time',
      ['-f', 'cpu %U %S', process.execPath, '--import', 'tsx', child, 'load', JSON.stringify(config)],
      { cwd: worktree, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (c) => {
      stdout += c
    })
    proc.stderr.on('data', (c) => {
      stderr += c
    })
    proc.on('error', reject)
    proc.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? ''
      const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(stderr)
      if (code !== 0 || !last.startsWith('{')) {
        reject(new Error(`load failed (exit ${code}): ${stderr.slice(-2000)}`))
        return
      }
      resolvePromise({
        ...(JSON.parse(last) as StageReport),
        wallMs: performance.now() - started,
        cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : Number.NaN,
      })
    })
  })
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
    const run = await runLoadChild(worktree, config)
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
      JSON.stringify({ worktree, s: run.ms / 1000, processS: run.wallMs / 1000, cpuS: run.cpuS, rows }),
    )
  } finally {
    await dropBenchDatabase(config.warehouseUrl)
  }
}

if (mode === 'setup') await setup(Number(arg ?? '30'))
else if (mode === 'load') await load(resolve(arg ?? ROOT))
else throw new Error('usage: profile-first-load.ts setup <dir> <scale> | load <dir> [<worktree>]')
