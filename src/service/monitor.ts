/**
 * The running service's observer. After each watch cycle it samples freshness (for the status page's
 * chart) and raises one alert when freshness crosses its threshold (and a line when it recovers); it
 * counts what the cycles did, for the summary logged when the service stops.
 */
import type { Log } from '../log.ts'
import { conditionTracker } from './alerting.ts'
import type { StatusReport } from './run-status.ts'
import type { CycleReport } from './run-watch.ts'
import type { StatusRecorder } from './status-recorder.ts'

export interface MonitorDeps {
  readonly recorder: StatusRecorder
  readonly log: Log
  readonly freshnessAlertMs: number
  readStatus(): Promise<StatusReport>
  readonly now?: () => number
}

/** What the service did from start to stop; freshness as measured at the stop (null when unknown). */
export interface ServiceSummary {
  readonly batches: number
  readonly rows: number
  readonly failures: number
  readonly freshnessSeconds: number | null
}

export interface Monitor {
  /** Call after every cycle. */
  observe(cycle: CycleReport): Promise<void>
  /** Samples freshness now (when no cycle ran yet, say). */
  sample(): Promise<number | null>
  /** The totals so far, with freshness measured now. */
  summary(): Promise<ServiceSummary>
}

export function createMonitor(deps: MonitorDeps): Monitor {
  const stale = conditionTracker(deps.log, 'warehouse freshness is over its threshold')
  const total = { batches: 0, rows: 0, failures: 0 }
  const sample = async (): Promise<number | null> => {
    const now = (deps.now ?? Date.now)()
    const status = await deps.readStatus()
    // Unknown (warehouse unreadable) is not a sample: the chart shows a gap, not a zero.
    const seconds = status.warehouse?.freshnessSeconds ?? null
    deps.recorder.recordFreshness(now, seconds)
    if (status.warehouse)
      stale(seconds !== null && seconds * 1000 > deps.freshnessAlertMs, {
        stage: 'monitor',
        freshnessSeconds: seconds,
        thresholdSeconds: deps.freshnessAlertMs / 1000,
      })
    return seconds
  }
  return {
    async observe(cycle) {
      total.batches += cycle.loaded
      total.rows += cycle.loadedRows
      if (cycle.error !== undefined) total.failures++
      await sample()
    },
    sample,
    async summary() {
      const freshnessSeconds = await sample().catch(() => null)
      return { ...total, freshnessSeconds: freshnessSeconds === null ? null : Math.round(freshnessSeconds) }
    },
  }
}
