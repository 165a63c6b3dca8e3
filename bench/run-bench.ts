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
import cliProgress from 'cli-progress'
import { createTerminal } from '../src/entrypoints/cli/terminal.ts'
import type { Progress } from '../src/log.ts'
import { dropAllBenchDatabases, dropBenchDatabase, ensureServerRunning } from './bench-databases.ts'
import { appendToBenchmarks, toMarkdownEntry } from './bench-report.ts'
import { type BenchResults, checkTargets, type LoadFigures, toSummary } from './bench-results.ts'
import { currentLoad, readMachineInfo } from './machine-info.ts'
import { runCycles } from './measure-cycles.ts'
import { FULL_LOAD_STEPS, type FullLoad, runFullLoad } from './measure-full-load.ts'
import { runIdleBlocks } from './measure-idle-blocks.ts'
import { runChangeLatency } from './measure-latency.ts'
import { runLogicalFreshness } from './measure-logical-freshness.ts'
import { runStartup } from './measure-startup.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The scaling curve; the first-load target is checked at 30× and 100× (quick: at its largest scale). */
const SCALES = { default: [1, 10, 30, 100], quick: [1, 3, 10] } as const
const FRESHNESS_CHANGES = 20
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
// On a terminal, a bar per step (on stderr, above which the step lines are written).
const terminal = process.stderr.isTTY
  ? createTerminal(process.stderr, { color: process.stderr.hasColors?.() ?? false, bars: cliProgress })
  : undefined
const note = (line: string) => (terminal ? terminal.writeLine(line) : say(line))
/** Runs one step under its own bar of `total` units (no bar off a terminal). */
async function step<T>(
  label: string,
  total: number,
  fn: (bar: Progress) => Promise<T>,
  unit = 'steps',
): Promise<T> {
  const bar = terminal?.progress(label, unit) ?? { start() {}, advance() {}, stop() {} }
  bar.start(total)
  try {
    return await fn(bar)
  } finally {
    bar.stop()
  }
}
const fullLoad = (scale: number, workDir: string, profileDir?: string) =>
  step(`first load ${scale}×`, FULL_LOAD_STEPS, (bar) =>
    runFullLoad(scale, workDir, profileDir, (done) => bar.advance(1, done)),
  )
const withoutConfig = ({ config: _, ...figures }: FullLoad): LoadFigures => figures

async function dropLoad(load: FullLoad): Promise<void> {
  await dropBenchDatabase(load.config.sourceUrl)
  await dropBenchDatabase(load.config.warehouseUrl)
}

async function runBench(workDir: string): Promise<BenchResults> {
  const machine = await readMachineInfo()
  note(
    `bench (${mode}): scale ${mainScale}, scaling ${SCALES[mode].join('×, ')}×, load average ${machine.loadStart}`,
  )
  const profileDir = args.profile === undefined ? undefined : join(process.cwd(), args.profile)
  if (profileDir) mkdirSync(profileDir, { recursive: true })

  const startup = runStartup()
  note(
    `(0) CLI start-up (wall, median of ${startup.runs}): --help ${startup.helpMs.median} ms, --version ${startup.versionMs.median} ms`,
  )
  note(`(1) full first load at scale ${mainScale}, and (2) the COPY limits on its rows`)
  const main = await fullLoad(mainScale, join(workDir, `scale-${mainScale}`), profileDir)
  const { limit } = main
  note(
    `    ${main.rows} rows: stages ${main.totalS.toFixed(2)} s, init + run ${main.run.s.toFixed(2)} s; raw limit ${limit.rawS.toFixed(2)} s`,
  )
  note('(3) incremental cycles')
  const { cycles, idle } = await step('cycles', 2, async (bar) => {
    const cycles = await runCycles(main.config)
    bar.advance(1, 'idle poll')
    const idle = await runIdleBlocks(main.config)
    bar.advance(1)
    return { cycles, idle }
  })
  note(
    `    1k ${cycles.changes1k.s.toFixed(3)} s (median; first ${cycles.changes1k.first.s.toFixed(3)} s), 10k ${cycles.changes10k.s.toFixed(3)} s (median; first ${cycles.changes10k.first.s.toFixed(3)} s); idle poll: ${idle.idleBlocksPerPoll.toFixed(0)} blocks (${idle.skipped}/${idle.polls} skipped); a process's first poll: ${idle.firstPollBlocks} blocks`,
  )
  note(`(4) freshness in watch every 5 s, then every 1 s (${FRESHNESS_CHANGES} changes each, 1–3 s apart)`)
  const watch = (everyMs: number) =>
    step(
      `freshness ${everyMs / 1000} s`,
      FRESHNESS_CHANGES,
      (bar) =>
        runChangeLatency(main.config, { everyMs, count: FRESHNESS_CHANGES, onArrival: () => bar.advance(1) }),
      'changes',
    )
  const freshness = await watch(5_000)
  const freshness1s = await watch(1_000)
  note(`    p95 ${freshness.p95S.toFixed(2)} s (5 s), ${freshness1s.p95S.toFixed(2)} s (1 s)`)
  note('(4b) freshness in watch, EXTRACT_MODE=logical (a pull every 200 ms)')
  const logicalFreshness = await runLogicalFreshness(main.config, note)
  if (logicalFreshness)
    note(
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
    note(`(5) scaling: full load at ${scale}×`)
    const load = await fullLoad(scale, join(workDir, `scale-${scale}`))
    await dropLoad(load)
    rmSync(join(workDir, `scale-${scale}`), { recursive: true, force: true })
    note(
      `    ${load.rows} rows: stages ${load.totalS.toFixed(2)} s, init + run ${load.run.s.toFixed(2)} s (${(load.run.s / load.limit.rawS).toFixed(2)}× the raw limit; its CPU ${(load.run.cpuS + load.run.serverCpuS).toFixed(1)} s; warehouse floor ${load.floor.floorS.toFixed(2)} s), peak RSS ${load.peakRssMb.toFixed(0)} MB`,
    )
    scaling.push(withoutConfig(load))
  }
  scaling.sort((a, b) => a.scale - b.scale)

  machine.loadEnd = currentLoad()
  const fullLoadFigures = withoutConfig(main)
  const summary = toSummary(fullLoadFigures, limit, cycles, freshness, freshness1s, idle)
  const targets = checkTargets(summary, machine.nproc, scaling, freshness, freshness1s, logicalFreshness)
  const date = new Date().toISOString().slice(0, 19).replace('T', ' ')
  return {
    date,
    mode,
    machine,
    summary,
    fullLoad: fullLoadFigures,
    limit,
    cycles,
    idle,
    freshness,
    freshness1s,
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
