/**
 * The transform stage alone, in its own child (bench/stage-child.ts, as the bench runs it), over an
 * ingestion folder extracted once and kept: peak RSS and time at a scale without re-seeding (issue 16,
 * target 5).
 *   tsx bench/measure-transform-memory.ts setup <dir> <scale>   seed a source, extract into <dir>/ingestion, drop it
 *   tsx bench/measure-transform-memory.ts run <dir> [runs=1] [out=<dir>]
 *       transform <dir>/ingestion into a fresh <out>/processed each run (another `out`, another run at once)
 * Each run prints the child's report (ms, maxRssMb, peakHeapMb, peakExternalMb); <out>/processed is kept
 * after the last run, so two codes' outputs can be compared.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  createBenchDatabase,
  dropBenchDatabase,
  ensureServerRunning,
  seedBenchSource,
} from './bench-databases.ts'
import { DEFAULT_LAG_MS } from './measure-full-load.ts'
import type { StageConfig } from './pipeline-deps.ts'
import { runStageInChild } from './run-stage.ts'

const [mode, dir = '/tmp/transform-memory', arg = '1', out = dir] = process.argv.slice(2)

function configOf(sourceUrl = ''): StageConfig {
  return {
    sourceUrl,
    warehouseUrl: '',
    ingestionDir: join(dir, 'ingestion'),
    processedDir: join(out, 'processed'),
    tmpDir: join(out, 'tmp'),
    lagMs: DEFAULT_LAG_MS,
  }
}

async function setup(scale: number): Promise<void> {
  ensureServerRunning()
  rmSync(dir, { recursive: true, force: true })
  const config = configOf(await createBenchDatabase('source'))
  try {
    mkdirSync(config.ingestionDir, { recursive: true })
    await seedBenchSource(config.sourceUrl, scale)
    const extract = await runStageInChild('extract', config)
    console.log(`scale ${scale}: ${extract.rows} rows extracted into ${config.ingestionDir}`)
  } finally {
    await dropBenchDatabase(config.sourceUrl)
  }
}

async function run(runs: number): Promise<void> {
  const config = configOf()
  for (let i = 0; i < runs; i++) {
    for (const d of [config.processedDir, config.tmpDir]) {
      rmSync(d, { recursive: true, force: true })
      mkdirSync(d, { recursive: true })
    }
    const report = await runStageInChild('transform', config)
    console.log(
      JSON.stringify({ ...report, ms: Math.round(report.ms), processMs: Math.round(report.processMs) }),
    )
  }
}

if (mode === 'setup') await setup(Number(arg))
else if (mode === 'run') await run(Number(arg))
else throw new Error('usage: measure-transform-memory.ts setup <dir> <scale> | run <dir> [runs]')
