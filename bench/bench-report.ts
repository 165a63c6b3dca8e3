/** Renders a bench run as markdown (printed, and appended to docs/BENCHMARKS.md as a dated entry). */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs'
import { type BenchResults, floorRatio, type LoadFigures, workBoundRatio } from './bench-results.ts'

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–')
const k = (n: number) => Math.round(n).toLocaleString('en-US')
/** A markdown table with padded columns, so the entry reads as a table in plain text too. */
function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [head, ...rows].map((r) => r.map(String))
  const widths = head.map((_, j) => Math.max(3, ...cells.map((r) => (r[j] ?? '').length)))
  const line = (r: readonly string[]) => `| ${widths.map((w, j) => (r[j] ?? '').padEnd(w)).join(' | ')} |`
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n')
}

function stagesTable(load: LoadFigures): string {
  return table(
    ['stage', 'wall s', 'process s', 'rows/s', 'MB written', 'peak RSS MB', 'of which JS heap / Buffers MB'],
    [
      ...load.stages.map((s) => [
        s.stage,
        f(s.s),
        f(s.processS),
        k(s.rowsPerS),
        f(s.mbWritten, 1),
        f(s.peakRssMb, 0),
        `${f(s.peakHeapMb, 0)} / ${f(s.peakExternalMb, 0)}`,
      ]),
      ['**total**', f(load.totalS), '', k(load.rows / load.totalS), '', f(load.peakRssMb, 0), ''],
    ],
  )
}

function scalingTable(scaling: readonly LoadFigures[]): string {
  return table(
    [
      'scale',
      'rows',
      'stages s',
      'extract s / RSS',
      'transform s / RSS',
      'load s / RSS',
      'init + run s',
      'its CPU s',
      'raw limit s',
      'warehouse floor s',
      'run / raw',
    ],
    scaling.map((l) => [
      `${l.scale}×`,
      k(l.rows),
      f(l.totalS),
      ...l.stages.map((s) => `${f(s.s)} / ${f(s.peakRssMb, 0)} MB`),
      f(l.run.s),
      `${f(l.run.cpuS, 1)} + ${f(l.run.serverCpuS, 1)}`,
      f(l.limit.rawS),
      f(l.floor.floorS),
      `${f(l.run.s / l.limit.rawS)}×`,
    ]),
  )
}

/** The scaling curve: seconds per million source rows, per stage, for the whole run and the raw limit. */
function curveTable(scaling: readonly LoadFigures[]): string {
  const perM = (s: number, l: LoadFigures) => f(s / (l.rows / 1e6), 1)
  return table(
    ['scale', 'extract', 'transform', 'load', 'stages', 'init + run', 'raw limit'],
    scaling.map((l) => [
      `${l.scale}×`,
      ...l.stages.map((s) => perM(s.s, l)),
      perM(l.totalS, l),
      perM(l.run.s, l),
      perM(l.limit.rawS, l),
    ]),
  )
}

/** One dated entry: machine, headline figures, each measurement, the targets. */
export function toMarkdownEntry(r: BenchResults): string {
  const m = r.machine
  const { limit, cycles, freshness, freshness1s, summary } = r
  const fresh = (x: typeof freshness) =>
    `every ${x.everyMs / 1000} s: ${x.arrived}/${x.changes} arrived, p50 ${f(x.p50S)} s, p95 ${f(x.p95S)} s, max ${f(x.maxS)} s`
  const cycleRow = (name: string, c: typeof cycles.idle) => [
    name,
    k(c.changes),
    f(c.s),
    f(c.extractS),
    k(c.loadedRows),
  ]
  return `
### ${r.date} (${r.mode}, scale ${summary.scale})

Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, PostgreSQL ${m.postgres}, commit ${m.commit}.
Load average (1 min) ${f(m.loadStart)} at start, ${f(m.loadEnd ?? Number.NaN)} at end (the machine is shared).

**Full first load** of ${k(r.fullLoad.rows)} source rows (seeded in ${f(r.fullLoad.seedS)} s), each stage in its own process
(wall = inside the stage's run* call; process = with Node + tsx start-up):

${stagesTable(r.fullLoad)}

**Whole first load** as a user runs it, \`init\` + \`run\` in one process (stages overlapping), into a second
empty warehouse: **${f(r.fullLoad.run.s)} s** (process ${f(r.fullLoad.run.processS)} s, peak RSS ${f(r.fullLoad.run.peakRssMb, 0)} MB).
Its CPU: the process ${f(r.fullLoad.run.cpuS)} s + the PostgreSQL server ${f(r.fullLoad.run.serverCpuS)} s; spread perfectly over
${m.nproc} cores that is at least ${f((r.fullLoad.run.cpuS + r.fullLoad.run.serverCpuS) / m.nproc)} s of wall, ${f(workBoundRatio(r.fullLoad, m.nproc))}× the raw limit (which used ${f(limit.rawCpuS)} CPU-s).

**Raw limit** on the same rows: COPY out to CSV ${f(limit.copyOutS)} s + COPY into keyless, constraint-free tables
${f(limit.copyInRawS)} s = **${f(limit.rawS)} s** (${f(limit.mbCopied, 1)} MB of CSV). init + run / raw limit = **${f(summary.raw_ratio)}×**.
For context: COPY into the constrained totesys schema ${f(limit.copyInS)} s (round one's limit ${f(limit.totalS)} s; stages
added up / it = ${f(summary.ratio)}×), and into it without foreign keys ${f(limit.copyInWithoutForeignKeysS)} s.

**Warehouse floor**: the ${k(r.fullLoad.floor.rows)} star-schema rows the stages loaded (${f(r.fullLoad.floor.mbCopied, 1)} MB of CSV), COPYed
into a fresh warehouse made by \`init\`, in one transaction: ${f(r.fullLoad.floor.straightS)} s with every foreign key checked row by row,
${f(r.fullLoad.floor.bulkS)} s with the foreign keys dropped first and re-validated before the commit: **${f(r.fullLoad.floor.floorS)} s**,
${f(floorRatio(r.fullLoad))}× the raw limit. No first load into this warehouse can take less (it must also read the source).

**Incremental cycles** (in process, runPipelineOnce):

${table(['cycle', 'changes', 'wall s', 'extract s', 'rows loaded'], [cycleRow('first (cold, idle)', cycles.coldIdle), cycleRow('idle', cycles.idle), cycleRow(`1k changes, first of the process`, cycles.changes1k.first), cycleRow(`1k changes, median of ${cycles.changes1k.runsS.length}`, cycles.changes1k), cycleRow(`10k changes, first`, cycles.changes10k.first), cycleRow(`10k changes, median of ${cycles.changes10k.runsS.length}`, cycles.changes10k)])}

**Idle extract poll**: ${k(r.idle.idleBlocksPerPoll)} blocks of the source's tables per poll (${r.idle.skipped}/${r.idle.polls} polls
skipped: nothing committed on the server); the first poll of a process reads every table: ${k(r.idle.firstPollBlocks)} blocks.

**Freshness** in watch, change committed → version in fact_payment: ${fresh(freshness)}; ${fresh(freshness1s)}.${
    r.logicalFreshness
      ? `\nIn logical mode (a pull every ${r.logicalFreshness.everyMs / 1000} s): ${fresh(r.logicalFreshness)}.`
      : ''
  }

**Scaling** (full first load, fresh databases per scale):

${scalingTable(r.scaling)}

Seconds per million source rows:

${curveTable(r.scaling)}

**Targets**:

${table(
  ['target', 'measured', 'met'],
  r.targets.map((t) => [t.target, t.value, t.met ? 'yes' : '**no**']),
)}
`
}

const HEADER = `# Benchmarks

\`npm run bench [-- --scale N] [--quick] [--json] [--profile DIR]\` measures the pipeline against the
real PostgreSQL server and appends a dated entry below. See bench/ for how each figure is taken.

## Findings

## Runs
`

/** Appends an entry to the benchmarks document, creating it (with its header) when absent. */
export function appendToBenchmarks(path: string, entry: string): void {
  if (!existsSync(path)) writeFileSync(path, HEADER)
  appendFileSync(path, entry)
}
