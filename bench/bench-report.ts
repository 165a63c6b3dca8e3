/** Renders a bench run as markdown (printed, and appended to docs/BENCHMARKS.md as a dated entry). */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs'
import type { BenchResults, LoadFigures } from './bench-results.ts'

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
    ['scale', 'rows', 'total s', 's per M rows', 'extract s / RSS', 'transform s / RSS', 'load s / RSS'],
    scaling.map((l) => [
      `${l.scale}×`,
      k(l.rows),
      f(l.totalS),
      f(l.totalS / (l.rows / 1e6), 1),
      ...l.stages.map((s) => `${f(s.s)} / ${f(s.peakRssMb, 0)} MB`),
    ]),
  )
}

/** One dated entry: machine, headline figures, each measurement, the targets. */
export function toMarkdownEntry(r: BenchResults): string {
  const m = r.machine
  const { limit, cycles, freshness, summary } = r
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

**Physical limit** on the same rows: COPY out to CSV ${f(limit.copyOutS)} s + COPY into an empty totesys schema ${f(limit.copyInS)} s
= **${f(limit.totalS)} s** (${f(limit.mbCopied, 1)} MB of CSV). Pipeline / limit = **${f(summary.ratio)}×**.
For context: the same COPY in with the target's foreign keys dropped takes ${f(limit.copyInWithoutForeignKeysS)} s.

**Incremental cycles** (in process, runPipelineOnce):

${table(['cycle', 'changes', 'wall s', 'extract s', 'rows loaded'], [cycleRow('first (cold, idle)', cycles.coldIdle), cycleRow('idle', cycles.idle), cycleRow('1k changes', cycles.changes1k), cycleRow('10k changes', cycles.changes10k)])}

**Idle extract poll**: ${k(r.idle.idleBlocksPerPoll)} blocks of the source's tables per poll (${r.idle.skipped}/${r.idle.polls} polls
skipped: nothing committed on the server); the first poll of a process reads every table: ${k(r.idle.firstPollBlocks)} blocks.

**Freshness** in watch (every ${freshness.everyMs / 1000} s): ${freshness.arrived}/${freshness.changes} changes arrived;
p50 ${f(freshness.p50S)} s, p95 ${f(freshness.p95S)} s, max ${f(freshness.maxS)} s.${
    r.logicalFreshness
      ? `\nIn logical mode (a pull every ${r.logicalFreshness.everyMs / 1000} s): ${r.logicalFreshness.arrived}/${r.logicalFreshness.changes} arrived; p50 ${f(r.logicalFreshness.p50S)} s, p95 ${f(r.logicalFreshness.p95S)} s, max ${f(r.logicalFreshness.maxS)} s.`
      : ''
  }

**Scaling** (full first load, fresh databases per scale):

${scalingTable(r.scaling)}

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
