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
  readonly freshness: LatencyFigures
  /** The same in logical mode (EXTRACT_MODE=logical), when the server allows it. */
  readonly logicalFreshness?: LatencyFigures
  readonly scaling: readonly LoadFigures[]
  readonly targets: readonly TargetCheck[]
}

export interface Summary {
  readonly scale: number
  readonly rows: number
  readonly pipeline_s: number
  readonly limit_s: number
  readonly ratio: number
  readonly peak_rss_mb: number
  readonly idle_cycle_s: number
  /** Blocks of the source's tables one idle extract poll reads. */
  readonly idle_poll_blocks: number
  /** Blocks a process's first poll reads (every table). */
  readonly first_poll_blocks: number
  readonly cycle_1k_s: number
  readonly cycle_10k_s: number
  readonly freshness_p50_s: number
  readonly freshness_p95_s: number
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
  idle: IdleBlocksFigures,
): Summary {
  return {
    scale: fullLoad.scale,
    rows: fullLoad.rows,
    pipeline_s: round(fullLoad.totalS),
    limit_s: round(limit.totalS),
    ratio: round(fullLoad.totalS / limit.totalS, 2),
    peak_rss_mb: round(fullLoad.peakRssMb, 1),
    idle_cycle_s: round(cycles.idle.s),
    idle_poll_blocks: Math.round(idle.idleBlocksPerPoll),
    first_poll_blocks: idle.firstPollBlocks,
    cycle_1k_s: round(cycles.changes1k.s),
    cycle_10k_s: round(cycles.changes10k.s),
    freshness_p50_s: round(freshness.p50S, 2),
    freshness_p95_s: round(freshness.p95S, 2),
  }
}

/** The targets (goals reported against, not assertions). */
export function checkTargets(
  summary: Summary,
  scaling: readonly LoadFigures[],
  freshness: LatencyFigures,
): TargetCheck[] {
  const byScale = [...scaling].sort((a, b) => a.scale - b.scale)
  const smallest = byScale[0]
  const largest = byScale.at(-1)
  const maxRss = Math.max(...scaling.map((l) => l.peakRssMb), summary.peak_rss_mb)
  const growth = (smallest?.stages ?? []).map((st) => {
    const big = largest?.stages.find((b) => b.stage === st.stage)
    return { stage: st.stage, ratio: (big?.peakRssMb ?? 0) / st.peakRssMb }
  })
  const worstGrowth = growth.reduce((a, b) => (b.ratio > a.ratio ? b : a), { stage: '-', ratio: 0 })
  const freshLimit = freshness.everyMs / 1000 + 5
  return [
    { target: 'full load ≤ 3× the COPY limit', value: `${summary.ratio}×`, met: summary.ratio <= 3 },
    {
      target: 'peak RSS of each stage ≤ 512 MB at every scale',
      value: `max ${maxRss.toFixed(0)} MB`,
      met: maxRss <= 512,
    },
    {
      target: `peak RSS flat: ${largest?.scale}× ≤ 1.25× the ${smallest?.scale}× figure, per stage`,
      value: `worst ${worstGrowth.stage} ${worstGrowth.ratio.toFixed(2)}×`,
      met: worstGrowth.ratio <= 1.25,
    },
    {
      target: `idle extract poll ≤ 1,000 blocks of the source (at ${summary.scale}×)`,
      value: `${summary.idle_poll_blocks} blocks (first poll of a process ${summary.first_poll_blocks})`,
      met: summary.idle_poll_blocks <= 1000,
    },
    { target: 'idle cycle ≤ 0.5 s', value: `${summary.idle_cycle_s} s`, met: summary.idle_cycle_s <= 0.5 },
    { target: '1k-change cycle ≤ 2 s', value: `${summary.cycle_1k_s} s`, met: summary.cycle_1k_s <= 2 },
    {
      target: `freshness p95 ≤ interval + 5 s (${freshLimit} s)`,
      value: `${summary.freshness_p95_s} s (${freshness.arrived}/${freshness.changes} arrived)`,
      met: summary.freshness_p95_s <= freshLimit && freshness.arrived === freshness.changes,
    },
  ]
}
