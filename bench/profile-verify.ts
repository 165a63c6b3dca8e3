/**
 * Times `runVerify` on the tests' loaded snapshot (test/support/loaded-snapshot.ts), in this process:
 * per call its wall and process CPU (user + system), the report's own phase timings (wall), and the CPU
 * of each phase (taken where verify tells its progress a phase starts).
 *   tsx bench/profile-verify.ts [n=7] [--kind embedded|server] [--src <dir>] [--warmup k=1]
 * `--src <dir>`: run the `runVerify` of another copy of src/, e.g. an older commit's unpacked inside this
 * worktree so its imports find node_modules (`mkdir .base && git archive <commit> src | tar -x -C .base`,
 * then `--src .base/src`), to compare code on the same machine in turn; the snapshot is made with this
 * worktree's code either way. Prints one JSON line per call and a summary (medians), and a fingerprint of
 * each report without its timings and paths: the same fingerprint from two versions is the same report
 * (VERIFY_REPORT_OUT=<file> writes the last report, to diff). The embedded kind (PGlite, in this process)
 * creates no server database (the server kind makes the tests' etl_test_* ones); its source and
 * warehouse reads count in this process's CPU, a server's do not. For a CPU profile: `node --import tsx
 * --cpu-prof --cpu-prof-dir <dir> bench/profile-verify.ts …`. TMPDIR decides where stores and DuckDB
 * scratch go (the test runner uses /dev/shm).
 */
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { VerifyDeps, VerifyReport } from '../src/verify/run-verify.ts'
import type { VerifyProgress } from '../src/verify/verify-progress.ts'
import type { DatabaseKind } from '../test/support/databases.ts'
import { createLoadedSnapshot, LOADED_SNAPSHOT_LAG_MS } from '../test/support/loaded-snapshot.ts'

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name)
  if (i < 0) return fallback
  const [value] = args.splice(i, 2).slice(1)
  return value ?? fallback
}
const kind = option('--kind', 'embedded') as DatabaseKind
const src = option('--src', '')
const warmup = Number(option('--warmup', '1'))
const n = Number(args[0] ?? 7)

const modulePath = src ? resolve(src, 'verify/run-verify.ts') : '../src/verify/run-verify.ts'
const { runVerify } = (await import(src ? pathToFileURL(modulePath).href : modulePath)) as {
  runVerify: (deps: VerifyDeps) => Promise<VerifyReport>
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const loaded = await createLoadedSnapshot(kind)
if (!loaded) throw new Error(`no ${kind} PostgreSQL`)
try {
  const deps: VerifyDeps = {
    source: loaded.source.db,
    warehouse: loaded.warehouse.db,
    ingestion: loaded.ingestion.store,
    processed: loaded.processed.store,
    purchaseFactTable: 'fact_purchase_orders',
    lagMs: LOADED_SNAPSHOT_LAG_MS,
  }
  // CPU per phase, taken where verify tells its progress a phase starts (`open warehouse`, `warehouse`,
  // `open source`, `source`, `lake files`, `layers`, `compare`); the first is from the call's start.
  let phaseCpu: Record<string, number> = {}
  let current = 'start'
  let mark = process.cpuUsage()
  const close = (next: string) => {
    const used = process.cpuUsage(mark)
    phaseCpu[current] = (phaseCpu[current] ?? 0) + Math.round((used.user + used.system) / 1000)
    current = next
    mark = process.cpuUsage()
  }
  const progress: VerifyProgress = { phase: (name) => close(name), advance() {}, stop: () => close('end') }
  const cpu: number[] = []
  const wall: number[] = []
  const phases: Record<string, number[]> = {}
  const prints = new Set<string>()
  for (let i = 0; i < warmup + n; i++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    phaseCpu = {}
    current = 'start'
    mark = process.cpuUsage()
    const report = await runVerify({ ...deps, progress })
    const ms = performance.now() - t0
    const used = process.cpuUsage(c0)
    const cpuMs = (used.user + used.system) / 1000
    const { timings, ...rest } = report
    // Without what differs between copies of the snapshot: the stores' folders and the databases' names.
    const text = [loaded.ingestion.dir, loaded.processed.dir, loaded.source.url, loaded.warehouse.url].reduce(
      (t, place, j) => t.replaceAll(place, `<${j}>`),
      JSON.stringify(rest),
    )
    const print = createHash('sha256').update(text).digest('hex').slice(0, 12)
    if (process.env.VERIFY_REPORT_OUT) writeFileSync(process.env.VERIFY_REPORT_OUT, text)
    const measured = i >= warmup
    if (measured) {
      cpu.push(cpuMs)
      wall.push(ms)
      prints.add(print)
      for (const [phase, t] of Object.entries(timings)) phases[phase] = [...(phases[phase] ?? []), t]
      for (const [phase, t] of Object.entries(phaseCpu))
        phases[`cpu ${phase}`] = [...(phases[`cpu ${phase}`] ?? []), t]
    }
    console.log(
      JSON.stringify({
        run: measured ? i - warmup + 1 : `warmup ${i + 1}`,
        wallMs: Math.round(ms),
        cpuMs: Math.round(cpuMs),
        verdict: report.verdict,
        print,
        timings,
        phaseCpu,
      }),
    )
  }
  console.log(
    JSON.stringify({
      summary: src || 'this worktree',
      kind,
      n,
      medianWallMs: Math.round(median(wall)),
      medianCpuMs: Math.round(median(cpu)),
      phasesMedianMs: Object.fromEntries(Object.entries(phases).map(([p, t]) => [p, median(t)])),
      prints: [...prints],
    }),
  )
} finally {
  await loaded.drop()
}
