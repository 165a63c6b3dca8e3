/**
 * `npm run bench [-- --scale N] [--quick] [--json] [--profile DIR]`: the pipeline's speed, memory and
 * freshness against the real PostgreSQL server, side by side with the physical COPY limit on the same rows.
 * Every database it creates is dropped and every folder removed at the end, also on failure.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { dropAllBenchDatabases, dropBenchDatabase, ensureServerRunning } from './bench-databases.ts'
import { appendToBenchmarks, toMarkdownEntry } from './bench-report.ts'
import { type BenchResults, checkTargets, type LoadFigures, toSummary } from './bench-results.ts'
import { currentLoad, readMachineInfo } from './machine-info.ts'
import { runCycles } from './measure-cycles.ts'
import { type FullLoad, runFullLoad } from './measure-full-load.ts'
import { runIdleBlocks } from './measure-idle-blocks.ts'
import { runChangeLatency } from './measure-latency.ts'
import { runLimit } from './measure-limit.ts'
import { runLogicalFreshness } from './measure-logical-freshness.ts'
import { runStartup } from './measure-startup.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SCALES = { default: [1, 10, 100], quick: [1, 3, 10] } as const
const MAIN_SCALE = { default: 10, quick: 1 } as const

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'no-record': { type: 'boolean', default: false },
  },
})
const mode = args.quick ? 'quick' : 'default'
const mainScale = args.scale === undefined ? MAIN_SCALE[mode] : Number(args.scale)
if (!(mainScale > 0)) throw new Error(`--scale must be a positive number; got '${args.scale}'`)
// With --json, stdout carries only the JSON: progress and the table go to stderr.
const say = (line: string) => (args.json ? console.error(line) : console.log(line))
const withoutConfig = ({ config: _, ...figures }: FullLoad): LoadFigures => figures

async function dropLoad(load: FullLoad): Promise<void> {
  await dropBenchDatabase(load.config.sourceUrl)
  await dropBenchDatabase(load.config.warehouseUrl)
}

async function runBench(workDir: string): Promise<BenchResults> {
  const machine = await readMachineInfo()
  say(
    `bench (${mode}): scale ${mainScale}, scaling ${SCALES[mode].join('×, ')}×, load average ${machine.loadStart}`,
  )
  const profileDir = args.profile === undefined ? undefined : join(process.cwd(), args.profile)
  if (profileDir) mkdirSync(profileDir, { recursive: true })

  const startup = runStartup()
  say(
    `(0) CLI start-up (wall, median of ${startup.runs}): --help ${startup.helpMs.median} ms, --version ${startup.versionMs.median} ms`,
  )
  say(`(1) full first load at scale ${mainScale}`)
  const main = await runFullLoad(mainScale, join(workDir, `scale-${mainScale}`), profileDir)
  say(`    ${main.rows} rows in ${main.totalS.toFixed(2)} s`)
  say('(2) physical limit: COPY out + COPY in')
  const limit = await runLimit(main.config.sourceUrl, join(workDir, 'limit'))
  say(`    ${limit.totalS.toFixed(2)} s`)
  say('(3) incremental cycles')
  const cycles = await runCycles(main.config)
  const idle = await runIdleBlocks(main.config)
  say(
    `    idle poll: ${idle.idleBlocksPerPoll.toFixed(0)} blocks (${idle.skipped}/${idle.polls} skipped); a process's first poll: ${idle.firstPollBlocks} blocks`,
  )
  say('(4) freshness in watch (≥ 20 changes, 1–3 s apart)')
  const freshness = await runChangeLatency(main.config)
  say('(4b) freshness in watch, EXTRACT_MODE=logical (a pull every 200 ms)')
  const logicalFreshness = await runLogicalFreshness(main.config, say)
  if (logicalFreshness)
    say(
      `    p50 ${logicalFreshness.p50S.toFixed(2)} s, p95 ${logicalFreshness.p95S.toFixed(2)} s (cursor: p95 ${freshness.p95S.toFixed(2)} s)`,
    )
  await dropLoad(main)
  rmSync(join(workDir, `scale-${mainScale}`), { recursive: true, force: true })

  const scaling: LoadFigures[] = []
  for (const scale of SCALES[mode]) {
    if (scale === mainScale) {
      scaling.push(withoutConfig(main))
      continue
    }
    say(`(5) scaling: full load at ${scale}×`)
    const load = await runFullLoad(scale, join(workDir, `scale-${scale}`))
    await dropLoad(load)
    rmSync(join(workDir, `scale-${scale}`), { recursive: true, force: true })
    say(`    ${load.rows} rows in ${load.totalS.toFixed(2)} s, peak RSS ${load.peakRssMb.toFixed(0)} MB`)
    scaling.push(withoutConfig(load))
  }
  scaling.sort((a, b) => a.scale - b.scale)

  machine.loadEnd = currentLoad()
  const fullLoad = withoutConfig(main)
  const summary = toSummary(fullLoad, limit, cycles, freshness, idle)
  const targets = checkTargets(summary, scaling, freshness)
  const date = new Date().toISOString().slice(0, 19).replace('T', ' ')
  return {
    date,
    mode,
    machine,
    summary,
    fullLoad,
    limit,
    cycles,
    idle,
    freshness,
    ...(logicalFreshness && { logicalFreshness }),
    scaling,
    targets,
  }
}

async function main(): Promise<void> {
  ensureServerRunning()
  const workDir = mkdtempSync(join(tmpdir(), 'totesys-bench-'))
  const stop = () => {
    void dropAllBenchDatabases().finally(() => {
      rmSync(workDir, { recursive: true, force: true })
      process.exit(130)
    })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    const results = await runBench(workDir)
    const entry = toMarkdownEntry(results)
    say(entry)
    if (!args['no-record']) {
      const file = join(
        ROOT,
        'bench',
        'results',
        `${results.date.replace(' ', 'T').replaceAll(':', '-')}-${mode}.json`,
      )
      mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
      writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
      appendToBenchmarks(join(ROOT, 'docs', 'BENCHMARKS.md'), entry)
      say(`results: ${file}; entry appended to docs/BENCHMARKS.md`)
    }
    if (args.json) console.log(JSON.stringify(results.summary))
  } finally {
    await dropAllBenchDatabases()
    rmSync(workDir, { recursive: true, force: true })
  }
}

await main()
