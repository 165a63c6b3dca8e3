/** The results of one bench run, the headline figures `--json` prints, and the targets checked against them. */

import type { MachineInfo } from './machine-info.ts'
import type { CyclesFigures } from './measure-cycles.ts'
import type { FullLoad } from './measure-full-load.ts'
import type { IdleBlocksFigures } from './measure-idle-blocks.ts'
import type { LatencyFigures } from './measure-latency.ts'
import type { LimitFigures } from './measure-limit.ts'

export type LoadFigures = Omit<FullLoad, 'config'>

export interface BenchResults {
  readonly date: string
  readonly mode: 'default' | 'quick'
  readonly machine: MachineInfo
  readonly summary: Summary
  readonly fullLoad: LoadFigures
  readonly limit: LimitFigures
  readonly cycles: CyclesFigures
  readonly idle: IdleBlocksFigures
  /** Watch every 5 s, then every 1 s. */
  readonly freshness: LatencyFigures
  readonly freshness1s: LatencyFigures
  /** The same in logical mode (EXTRACT_MODE=logical), when the server allows it. */
  readonly logicalFreshness?: LatencyFigures
  readonly scaling: readonly LoadFigures[]
  readonly targets: readonly TargetCheck[]
}

export interface Summary {
  readonly scale: number
  readonly rows: number
  /** The stages' times added up, each alone in its child. */
  readonly pipeline_s: number
  /** `init` + `run` in one process (stages overlapping). */
  readonly run_s: number
  /** COPY out + COPY into the constrained schema (round one's limit). */
  readonly limit_s: number
  /** Stages added up / constrained limit (round one's ratio). */
  readonly ratio: number
  /** COPY out + COPY into keyless, constraint-free tables (issue 16's limit). */
  readonly raw_limit_s: number
  /** init + run / raw limit. */
  readonly raw_ratio: number
  readonly peak_rss_mb: number
  readonly idle_cycle_s: number
  /** Blocks of the source's tables one idle extract poll reads. */
  readonly idle_poll_blocks: number
  /** Blocks a process's first poll reads (every table). */
  readonly first_poll_blocks: number
  /** Medians of several cycles (bench/measure-cycles.ts); the first cycle of each size beside them. */
  readonly cycle_1k_s: number
  readonly cycle_10k_s: number
  readonly cycle_1k_first_s: number
  readonly cycle_10k_first_s: number
  readonly freshness_p50_s: number
  readonly freshness_p95_s: number
  readonly freshness_1s_p50_s: number
  readonly freshness_1s_p95_s: number
}

export interface TargetCheck {
  readonly target: string
  readonly value: string
  readonly met: boolean
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits))

/** The headline figures. */
export function toSummary(
  fullLoad: LoadFigures,
  limit: LimitFigures,
  cycles: CyclesFigures,
  freshness: LatencyFigures,
  freshness1s: LatencyFigures,
  idle: IdleBlocksFigures,
): Summary {
  return {
    scale: fullLoad.scale,
    rows: fullLoad.rows,
    pipeline_s: round(fullLoad.totalS),
    run_s: round(fullLoad.run.s),
    limit_s: round(limit.totalS),
    ratio: round(fullLoad.totalS / limit.totalS, 2),
    raw_limit_s: round(limit.rawS),
    raw_ratio: round(fullLoad.run.s / limit.rawS, 2),
    peak_rss_mb: round(fullLoad.peakRssMb, 1),
    idle_cycle_s: round(cycles.idle.s),
    idle_poll_blocks: Math.round(idle.idleBlocksPerPoll),
    first_poll_blocks: idle.firstPollBlocks,
    cycle_1k_s: round(cycles.changes1k.s),
    cycle_10k_s: round(cycles.changes10k.s),
    cycle_1k_first_s: round(cycles.changes1k.first.s),
    cycle_10k_first_s: round(cycles.changes10k.first.s),
    freshness_p50_s: round(freshness.p50S, 2),
    freshness_p95_s: round(freshness.p95S, 2),
    freshness_1s_p50_s: round(freshness1s.p50S, 2),
    freshness_1s_p95_s: round(freshness1s.p95S, 2),
  }
}

/** A first load's ratio to the raw COPY limit. */
export const rawRatio = (l: LoadFigures) => l.run.s / l.limit.rawS

/**
 * The least wall time the first load's work allows, as a ratio to the raw limit: its CPU seconds (the `run`
 * process and the PostgreSQL server) spread perfectly over every core. Below this only less work helps.
 */
export const workBoundRatio = (l: LoadFigures, cores: number) =>
  (l.run.cpuS + l.run.serverCpuS) / cores / l.limit.rawS

/** The warehouse floor (its rows COPYed into a fresh warehouse, bulk or straight) as a ratio to the raw limit. */
export const floorRatio = (l: LoadFigures) => l.floor.floorS / l.limit.rawS

/** The scales the first-load target is checked at: 30× and above (the largest scale of a quick run). */
function ratioScales(scaling: readonly LoadFigures[]): LoadFigures[] {
  const big = scaling.filter((l) => l.scale >= 30)
  return big.length > 0 ? big : scaling.slice(-1)
}

/** The targets (issue 16; goals reported against, not assertions). */
export function checkTargets(
  summary: Summary,
  cores: number,
  scaling: readonly LoadFigures[],
  freshness: LatencyFigures,
  freshness1s: LatencyFigures,
  logicalFreshness?: LatencyFigures,
): TargetCheck[] {
  const byScale = [...scaling].sort((a, b) => a.scale - b.scale)
  const smallest = byScale[0]
  const largest = byScale.at(-1)
  const maxRss = Math.max(...scaling.map((l) => l.peakRssMb), summary.peak_rss_mb)
  const rssOf = (l: LoadFigures | undefined, stage: string) =>
    l?.stages.find((s) => s.stage === stage)?.peakRssMb ?? Number.NaN
  const transformGrowth = rssOf(largest, 'transform') / rssOf(smallest, 'transform')
  const ratios = ratioScales(byScale).map((l) => ({
    scale: l.scale,
    ratio: rawRatio(l),
    work: workBoundRatio(l, cores),
    floor: floorRatio(l),
  }))
  const fresh5 = freshness.everyMs / 1000 + 1
  const arrived = (f: LatencyFigures) => `${f.arrived}/${f.changes} arrived`
  return [
    {
      target: '1. first load (init + run) ≤ 2× the raw COPY limit, at 30× and 100×',
      value: ratios
        .map(
          (r) =>
            `${r.scale}×: ${r.ratio.toFixed(2)}× (its CPU on ${cores} cores ≥ ${r.work.toFixed(2)}×; warehouse floor ${r.floor.toFixed(2)}×)`,
        )
        .join(', '),
      met: ratios.length > 0 && ratios.every((r) => r.ratio <= 2),
    },
    {
      target: `2. idle extract poll ≤ 1,000 blocks of the source (at ${summary.scale}×)`,
      value: `${summary.idle_poll_blocks} blocks (first poll of a process ${summary.first_poll_blocks})`,
      met: summary.idle_poll_blocks <= 1000,
    },
    {
      target: `3. freshness p95 ≤ interval + 1 s at ${freshness.everyMs / 1000} s (${fresh5} s)`,
      value: `${summary.freshness_p95_s} s (${arrived(freshness)})`,
      met: summary.freshness_p95_s <= fresh5 && freshness.arrived === freshness.changes,
    },
    {
      target: `3. freshness p95 ≤ 2 s with --every ${freshness1s.everyMs / 1000}s`,
      value: `${summary.freshness_1s_p95_s} s (${arrived(freshness1s)})`,
      met: summary.freshness_1s_p95_s <= 2 && freshness1s.arrived === freshness1s.changes,
    },
    {
      target: '4. 1k-change cycle ≤ 0.25 s (median)',
      value: `${summary.cycle_1k_s} s (first of the process ${summary.cycle_1k_first_s} s)`,
      met: summary.cycle_1k_s <= 0.25,
    },
    {
      target: '4. 10k-change cycle ≤ 0.6 s (median)',
      value: `${summary.cycle_10k_s} s (first ${summary.cycle_10k_first_s} s)`,
      met: summary.cycle_10k_s <= 0.6,
    },
    {
      target: `5. transform peak RSS flat: ${largest?.scale}× ≤ 1.25× the ${smallest?.scale}× figure`,
      value: `${rssOf(smallest, 'transform').toFixed(0)} → ${rssOf(largest, 'transform').toFixed(0)} MB (${transformGrowth.toFixed(2)}×)`,
      met: transformGrowth <= 1.25,
    },
    {
      target: '5. peak RSS of every stage ≤ 512 MB at every scale',
      value: `max ${maxRss.toFixed(0)} MB`,
      met: maxRss <= 512,
    },
    { target: 'idle cycle ≤ 0.5 s', value: `${summary.idle_cycle_s} s`, met: summary.idle_cycle_s <= 0.5 },
    logicalFreshness
      ? {
          target: `issue 17: logical mode freshness p95 ≤ 1 s (a pull every ${logicalFreshness.everyMs / 1000} s)`,
          value: `${round(logicalFreshness.p95S, 2)} s (${arrived(logicalFreshness)})`,
          met: logicalFreshness.p95S <= 1 && logicalFreshness.arrived === logicalFreshness.changes,
        }
      : {
          target: 'issue 17: logical mode freshness p95 ≤ 1 s',
          value: 'not measured: the server does not allow logical decoding',
          met: false,
        },
  ]
}
