#!/usr/bin/env node
// Runs the test files, a few at a time, each in its own node process, and prints at the end the totals,
// every failure again, and the ten slowest files with their wall (and CPU) times.
// Usage: node scripts/run-tests.mjs [--record] [--typecheck] [path-filter ...]
//   TEST_CONCURRENCY=n   files at once (default: 3 on two cores; most of a test's time is spent waiting on
//                        PostgreSQL, a child process or the disk, so one more file than cores keeps them busy)
//   --record             writes the measured times to test/support/test-times.json (a whole run only)
//   --typecheck          also runs `tsc --noEmit -p .` alongside the files (npm test does), a failure of it
//                        failing the run like a failing file
//   TEST_CPU=0           does not measure each file's CPU seconds (GNU time does when installed)
//   TEST_TMPDIR=dir      where the tests' temporary files go (default: a folder in /dev/shm when it is a
//                        memory file system with room, unless TMPDIR is set; see testTmpDir below)
// Files start longest first (after the times of test/support/test-times.json; a file not listed there
// counts as slow), so the slowest file never starts last and leaves one core idle at the end.
// The colocated unit tests of src/ (pure modules, milliseconds each) share one process: a process of its
// own costs each of them a second or more of start-up (node, tsx) for tests that take less.
// Spawned CLI commands run the built CLI (dist/cli/): it is rebuilt here first when an input is newer.
import { spawn, spawnSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildCli, staleCliInput } from './build.mjs'

const root = join(import.meta.dirname, '..')
const timesFile = join(root, 'test/support/test-times.json')
const roots = ['src', 'test', 'infra']
const skip = new Set(['node_modules', 'dist', '.data', 'cdk.out'])

function find(dir, out, suffix) {
  let entries
  try {
    entries = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of entries) {
    if (skip.has(name)) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) find(path, out, suffix)
    else if (name.endsWith(suffix)) out.push(path)
  }
  return out
}

const args = process.argv.slice(2)
const record = args.includes('--record')
const typecheck = args.includes('--typecheck')
const filters = args.filter((a) => a !== '--record' && a !== '--typecheck')
const files = roots
  .flatMap((r) => find(join(root, r), [], '.test.ts'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
if (files.length === 0) {
  console.error('no test files matched', filters)
  process.exit(1)
}

/** Rebuilds the CLI when an input is newer than its build (the tests spawn bin/totesys-etl.mjs). */
async function buildIfStale() {
  const stale = staleCliInput()
  if (!stale) return
  console.log(`building the CLI (${stale} is newer than its build)`)
  try {
    await buildCli()
  } catch (error) {
    // esbuild does not check types (the type check reports those): only a bundle it could not make stops the run.
    console.error(`the build failed: the CLI the tests spawn would be out of date\n${error}`)
    process.exit(1)
  }
}
await buildIfStale()

let known = {}
try {
  known = JSON.parse(readFileSync(timesFile, 'utf8'))
} catch {}
const UNITS = 'src/**/*.test.ts'
const unitFiles = files.filter((f) => f.startsWith('src/'))
const TYPECHECK = 'tsc --noEmit -p .'
/** Runs the TypeScript files as they are, without tsx's general resolver (scripts/ts-hooks.mjs says why). */
const TS = pathToFileURL(join(root, 'scripts/ts-register.mjs')).href

/**
 * Short files share a process too, a few at a time: each of their own paid ~0.6 CPU-s of node, hooks and
 * imports for tests that take about as long (26 of them: 48 CPU-s apart, 32 together). A file that
 * changes what the whole process shares (its time zone, say) says `test-runner: own process` in a
 * comment and keeps one. A group's files are timed together, so `--record` keeps their earlier times.
 */
const SHORT_S = 6
const GROUP_S = 15
const OWN_PROCESS = /test-runner: own process/
const isShort = (f) =>
  !f.startsWith('src/') &&
  (known[f] ?? Number.POSITIVE_INFINITY) < SHORT_S &&
  !OWN_PROCESS.test(readFileSync(join(root, f), 'utf8'))
const groups = new Map()
{
  let group = []
  let seconds = 0
  for (const f of files.filter(isShort).sort((a, b) => known[a] - known[b] || a.localeCompare(b))) {
    if (group.length > 0 && seconds + known[f] > GROUP_S) {
      groups.set(`short files ${groups.size + 1}`, group)
      group = []
      seconds = 0
    }
    group.push(f)
    seconds += known[f]
  }
  if (group.length > 1) groups.set(`short files ${groups.size + 1}`, group)
}
const grouped = new Set([...groups.values()].flat())
const sharing = new Map([...(unitFiles.length > 1 ? [[UNITS, unitFiles]] : []), ...groups])
const queue = [
  ...files.filter((f) => !f.startsWith('src/') && !grouped.has(f)),
  ...(unitFiles.length > 1 ? [UNITS] : unitFiles),
  ...groups.keys(),
  ...(typecheck ? [TYPECHECK] : []),
]
for (const [name, members] of groups) known[name] = members.reduce((sum, f) => sum + known[f], 0)
const expected = (f) => known[f] ?? Number.POSITIVE_INFINITY
queue.sort((a, b) => expected(b) - expected(a) || a.localeCompare(b))
const scratch = mkdtempSync(join(tmpdir(), 'run-tests-'))
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }))

/**
 * The arguments that run a queue entry: a file, or the files that share one process (imported in turn). A file runs as the
 * main module, not under `node --test`: that would start a second node (and tsx) to run it in, a second or
 * so of start-up per file for the same tests, the same isolation and the same exit code.
 */
function nodeArgs(entry) {
  // TypeScript 7's bin/tsc is a small JS launcher that runs the native compiler as its child (GNU time counts
  // the child's CPU too). One thread, as `npm run typecheck`: its default four checkers each re-check the types
  // all files share (with the other core busy: 2.4 s wall and 2.5 CPU-s single-threaded, 3.5 s and 4.3 default).
  if (entry === TYPECHECK)
    return [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.', '--singleThreaded']
  const members = sharing.get(entry)
  if (!members) return ['--import', TS, '--test-reporter=spec', entry]
  const main = join(scratch, `${entry.replace(/\W+/g, '-')}.mjs`)
  const urls = members.map((f) => pathToFileURL(join(root, f)).href)
  writeFileSync(main, `for (const url of ${JSON.stringify(urls)}) await import(url)\n`)
  return ['--import', TS, '--test-reporter=spec', main]
}

const cores = availableParallelism()
const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY) || (cores <= 2 ? cores + 1 : cores))
/**
 * Where the test processes' temporary files go (their TMPDIR: PGlite folders, stores, DuckDB scratch, the
 * saved databases and the hook's cache). Creating a file on this machine's ext4 disk costs ~0.7 ms of
 * kernel CPU (a new PGlite folder is ~1,000 files: `init` into a folder took 3.9 CPU-s there against 3.1
 * in memory), and the tests create hundreds of thousands: the whole suite took 650 CPU-s with /tmp and
 * 597 with /dev/shm (one run each, same commit, fixtures warm). So, unless TEST_TMPDIR or TMPDIR says
 * otherwise, a folder in /dev/shm when that is a memory file system (tmpfs) with 4 GiB free: the
 * suite's files peak well under that, and the folder is kept, so its saved databases outlive the run.
 */
const TMPFS_MAGIC = 0x01021994
const TMPFS_FREE_BYTES = 4 * 2 ** 30
function testTmpDir() {
  if (process.env.TEST_TMPDIR) return process.env.TEST_TMPDIR
  if (process.env.TMPDIR) return undefined
  try {
    const fs = statfsSync('/dev/shm')
    if (fs.type !== TMPFS_MAGIC || fs.bavail * fs.bsize < TMPFS_FREE_BYTES) return undefined
    const dir = '/dev/shm/totesys-etl-tests'
    mkdirSync(dir, { recursive: true })
    return dir
  } catch {
    return undefined
  }
}
const testTmp = testTmpDir()
const env = {
  ...process.env,
  ...(testTmp ? { TMPDIR: testTmp } : {}),
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --openssl-legacy-provider`.trim(),
}

/**
 * GNU time, when installed, measures each file's CPU seconds (its spawned commands included): wall times
 * here depend on what else the machine runs, the CPU a file costs much less so.
 */
const TIME = '/usr/bin/time'
const measureCpu = process.env.TEST_CPU !== '0' && spawnSync(TIME, ['-f', '%U', 'true']).status === 0
const CPU_LINE = /^TEST_CPU ([\d.]+) ([\d.]+)$/
const TIME_NOTE = /^Command (exited with non-zero status \d+|terminated by signal (\d+))$/

const totals = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 }
const times = new Map()
const cpu = new Map()
const failed = []
const started = performance.now()

/** One file in its own node process; its output is printed whole when it ends, so files never interleave. */
function runFile(file) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const [command, args] = measureCpu
      ? [TIME, ['-f', 'TEST_CPU %U %S', process.execPath, ...nodeArgs(file)]]
      : [process.execPath, nodeArgs(file)]
    const child = spawn(command, args, {
      cwd: root,
      // The type check is no test: c8 need not record the compiler's coverage.
      env: file === TYPECHECK ? { ...env, NODE_V8_COVERAGE: undefined } : env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const chunks = []
    child.stdout.on('data', (c) => chunks.push(c))
    child.stderr.on('data', (c) => chunks.push(c))
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - t0) / 1000
      times.set(file, seconds)
      const lines = Buffer.concat(chunks).toString('utf8').split('\n')
      const body = []
      let counted = false
      let killedBy = signal
      for (const line of lines) {
        const m = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(line)
        const used = CPU_LINE.exec(line)
        const note = TIME_NOTE.exec(line)
        if (used) cpu.set(file, Number(used[1]) + Number(used[2]))
        else if (note) killedBy = note[2] ? `signal ${note[2]}` : killedBy
        else if (m) {
          totals[m[1]] += Number(m[2])
          counted = true
        } else if (!/^ℹ duration_ms /.test(line)) body.push(line)
      }
      const ok = code === 0
      if (!ok) {
        const at = body.findIndex((l) => l.startsWith('✖ failing tests:'))
        failed.push({
          file,
          why: killedBy ? `killed by ${killedBy}` : `exit code ${code}`,
          details: at >= 0 ? body.slice(at + 1) : body.slice(-40),
        })
        if (!counted) totals.fail += 1
      }
      const used = cpu.has(file) ? `, ${cpu.get(file).toFixed(1)} s CPU` : ''
      process.stdout.write(
        `${ok ? '✔' : '✖'} ${file} (${seconds.toFixed(1)} s${used})\n${body.join('\n').trimEnd()}\n\n`,
      )
      resolve()
    })
  })
}

async function worker() {
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) await runFile(file)
}
await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker))

const wall = (performance.now() - started) / 1000
for (const [k, v] of Object.entries(totals)) console.log(`ℹ ${k} ${v}`)
const cpuTotal = [...cpu.values()].reduce((a, b) => a + b, 0)
console.log(
  `ℹ files ${files.length} in ${times.size} processes, ${concurrency} at once, wall ${wall.toFixed(1)} s${
    cpu.size > 0 ? `, CPU ${cpuTotal.toFixed(1)} s` : ''
  }; temporary files in ${testTmp ?? tmpdir()}`,
)
if (failed.length > 0) {
  console.log('\n✖ failing files:')
  for (const f of failed) console.log(`\n✖ ${f.file} (${f.why})\n${f.details.join('\n').trimEnd()}`)
}
const slowest = [...times].sort((a, b) => b[1] - a[1]).slice(0, 10)
const shared = [...sharing].map(([name, members]) => `${name} is ${members.length} files in one process`)
console.log(
  `\nslowest files (wall time, with the others running alongside${shared.length > 0 ? `; ${shared.join(', ')}` : ''}):`,
)
for (const [file, seconds] of slowest) {
  const used = cpu.has(file) ? `  (${cpu.get(file).toFixed(1).padStart(5)} s CPU)` : ''
  console.log(`${seconds.toFixed(1).padStart(7)} s${used}  ${file}`)
}

if (record && filters.length === 0) {
  const measured = [...times].filter(([entry]) => !groups.has(entry))
  const kept = [...grouped].map((f) => [f, known[f]])
  const rounded = Object.fromEntries(
    [...measured, ...kept].sort().map(([f, s]) => [f, Math.round(s * 10) / 10]),
  )
  writeFileSync(timesFile, `${JSON.stringify(rounded, null, 2)}\n`)
  console.log(`\nrecorded the times in ${relative(root, timesFile)}`)
}
process.exit(failed.length > 0 ? 1 : 0)
