/**
 * Everything the status page and its JSON show, read in one go: the status report, recent batches per
 * stage, every alert of the last day from the status store (whichever command raised it), the loads
 * for the rows chart and the service's freshness samples. Each system is read on its own; what cannot
 * be read is a problem on the page, never a zero.
 */
import type { PurchaseFactTable } from '../config.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { type LoadRecord, runReadRecentLoads } from './ledger-queries.ts'
import { type HistoryRow, newHistoryCache, runReadHistory } from './read-history.ts'
import { runStatus, type StatusReport } from './run-status.ts'
import { problemCollector, type StatusProblem } from './status-problem.ts'
import type { StatusRecorder } from './status-recorder.ts'
import { runListStatusKeys, runReadStatusEvents, type StatusEvent } from './status-store.ts'

const DAY_MS = 86_400_000

/** An alert, error, warning, resolution or failed run, with its reason. */
export interface AlertRow {
  readonly atMs: number
  readonly level: 'alert' | 'error' | 'warn' | 'resolved' | 'failed run'
  readonly command: string
  readonly message: string
  readonly reason: string
}

/**
 * Rows in the order they were recorded (the status store lists a millisecond's events by their sequence)
 * → newest first. Two events of the same millisecond (quick commands, a fast machine) keep their recorded
 * order reversed too: sorting by time alone would keep the older one first.
 */
export function toNewestFirst<T extends { readonly atMs: number }>(recorded: readonly T[]): T[] {
  return [...recorded].reverse().sort((a, b) => b.atMs - a.atMs)
}

export interface StatusView {
  readonly generatedAtMs: number
  readonly status: StatusReport
  /** Newest first. */
  readonly recent: readonly HistoryRow[]
  /** The last day's alerts, newest first; from this process's memory when the store cannot be read. */
  readonly alerts: readonly AlertRow[]
  readonly alertsFrom: 'status store' | 'this process only'
  /** The last loads, oldest first. */
  readonly loads: readonly LoadRecord[]
  /** This service's freshness samples: [epoch ms, seconds]. */
  readonly freshness: readonly (readonly [number, number])[]
  /** Every system that could not be read, once each. */
  readonly problems: readonly StatusProblem[]
}

export interface StatusViewDeps {
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  warehouse(): Promise<Database>
  readonly warehouseDescription: string
  readonly purchaseFactTable: PurchaseFactTable
  readonly recorder: StatusRecorder
  readonly now?: () => number
}

const SCALARS = new Set(['string', 'number', 'boolean'])

/** Why an alert fired, in words: its error, its reason, or its scalar fields. */
export function toAlertReason(e: StatusEvent): string {
  if (e.error) return e.error
  const reason = e.fields?.reason
  if (typeof reason === 'string') return reason
  const parts = Object.entries({ table: e.table, rows: e.rows, ...e.fields })
    .filter(([k, v]) => k !== 'stage' && SCALARS.has(typeof v))
    .map(([k, v]) => `${k}=${String(v)}`)
  return parts.join(' ')
}

/** A reader that keeps what never changes (manifests, events) between refreshes. */
export function createStatusViewReader(deps: StatusViewDeps): () => Promise<StatusView> {
  const cache = newHistoryCache()
  return async () => {
    const now = (deps.now ?? Date.now)()
    const common = { ...deps, now: () => now }
    const { problems, attempt } = problemCollector()
    const [status, history, loads, events] = await Promise.all([
      runStatus(common),
      runReadHistory({ ...common, cache }, { sinceMs: now - 7 * DAY_MS, limit: 30 }),
      attempt('warehouse', deps.warehouseDescription, async () =>
        runReadRecentLoads(await deps.warehouse(), 60),
      ),
      attempt('processed store', deps.processed.description, async () => {
        const keys = await runListStatusKeys(deps.processed, 'events', now - DAY_MS, now)
        const wanted = keys.filter((k) => k.kind !== 'batch').map((k) => k.key)
        return runReadStatusEvents(deps.processed, wanted, cache.events)
      }),
    ])
    const alerts: AlertRow[] = events
      ? events
          .filter((e) => e.kind !== 'run' || e.outcome === 'failed')
          .map((e) => ({
            atMs: e.at,
            level: e.kind === 'run' ? ('failed run' as const) : (e.kind as AlertRow['level']),
            command: e.command,
            message: e.message,
            reason: toAlertReason(e),
          }))
      : deps.recorder.recentEvents().map((e) => ({
          atMs: e.at,
          level: e.level,
          command: 'this service',
          message: e.message,
          reason: e.error ?? '',
        }))
    const all = [...status.problems, ...history.problems, ...problems]
    return {
      generatedAtMs: now,
      status,
      recent: history.rows,
      alerts: toNewestFirst(alerts).slice(0, 100),
      alertsFrom: events ? 'status store' : 'this process only',
      loads: loads ?? [],
      freshness: deps.recorder.freshnessSamples(),
      problems: all.filter((p, i) => all.findIndex((q) => q.system === p.system) === i),
    }
  }
}
