/**
 * After each watch cycle: sample freshness and loaded batches for the status page, and raise one alert
 * when freshness crosses its threshold (and a log line when it recovers).
 */
import type { Log } from '../log.ts'
import { conditionTracker } from './alerting.ts'
import type { StatusReport } from './run-status.ts'
import type { StatusRecorder } from './status-recorder.ts'

export interface MonitorDeps {
  readonly recorder: StatusRecorder
  readonly log: Log
  readonly freshnessAlertMs: number
  readStatus(): Promise<StatusReport>
  readLedger(): Promise<readonly { batchId: string; rows: Readonly<Record<string, { rows: number }>> }[]>
  readonly now?: () => number
}

/** Returns the function to call after every cycle. */
export function createMonitor(deps: MonitorDeps): () => Promise<void> {
  const stale = conditionTracker(deps.log, 'warehouse freshness is over its threshold')
  return async () => {
    const now = (deps.now ?? Date.now)()
    const status = await deps.readStatus()
    const seconds = status.warehouse.freshnessSeconds
    deps.recorder.recordFreshness(now, seconds)
    stale(seconds !== null && seconds * 1000 > deps.freshnessAlertMs, {
      stage: 'monitor',
      freshnessSeconds: seconds,
      thresholdSeconds: deps.freshnessAlertMs / 1000,
    })
    for (const entry of (await deps.readLedger()).slice(-60)) {
      deps.recorder.recordBatch(
        entry.batchId,
        Object.entries(entry.rows)
          .filter(([table]) => table !== 'dim_date')
          .reduce((sum, [, r]) => sum + r.rows, 0),
      )
    }
  }
}
