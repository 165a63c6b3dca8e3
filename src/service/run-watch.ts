/**
 * The pipeline as a loop: extract on a schedule, transform as soon as an extract commits, load as soon
 * as a transform commits (and on a safety interval). No stage overlaps itself: the loop runs them in
 * turn. A failing cycle is retried with backoff and raises one alert per incident, not one per retry.
 * An abort (SIGINT/SIGTERM) lets the stage in hand finish, then returns.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { parseDuration } from '../core/duration.ts'
import { ConfigError } from '../core/errors.ts'
import { errorFields, type Log } from '../log.ts'

/** The shortest interval a loop accepts: below it the loop would hammer the source for nothing. */
export const MIN_INTERVAL_MS = 100

/** Parses an interval flag (`--every 30s`), refusing one too short to be meant (0 would busy-loop). */
export function parseInterval(text: string, flag: string): number {
  const ms = parseDuration(text, flag)
  if (ms < MIN_INTERVAL_MS)
    throw new ConfigError(
      `${flag} must be at least ${MIN_INTERVAL_MS}ms; got '${text}' (a shorter interval would run the stages back to back without pause)`,
    )
  return ms
}

export interface WatchStages {
  /** Returns the committed batch id, or null when there was nothing new. */
  extract(): Promise<string | null>
  /** Returns how many batches it committed. */
  transform(): Promise<number>
  /** Returns how many batches it loaded, and their rows. */
  load(): Promise<{ readonly batches: number; readonly rows: number }>
}

export interface WatchOptions {
  readonly everyMs: number
  /** Run load at least this often even without new batches (catches up after a failure elsewhere). */
  readonly loadEveryMs?: number
  readonly maxBackoffMs?: number
  readonly signal: AbortSignal
  readonly log: Log
  /** Called after every cycle, e.g. to refresh a status page. */
  readonly onCycle?: (cycle: CycleReport) => void
}

export interface CycleReport {
  readonly at: number
  readonly extracted: string | null
  readonly transformed: number
  readonly loaded: number
  /** Rows the loaded batches brought to the warehouse. */
  readonly loadedRows: number
  readonly ms: number
  readonly error?: string
}

/** What a watch did from start to stop. */
export interface WatchSummary {
  readonly cycles: number
  /** Batches loaded into the warehouse, and their rows. */
  readonly batches: number
  readonly rows: number
  /** Cycles that failed. */
  readonly failures: number
}

/** The wait before retry n (0-based) after consecutive failures: doubling, capped. */
export function toBackoffMs(failures: number, everyMs: number, maxMs: number): number {
  return Math.min(maxMs, everyMs * 2 ** Math.max(0, failures - 1))
}

/** Runs cycles until the signal aborts; returns what they did. */
export async function runWatch(stages: WatchStages, options: WatchOptions): Promise<WatchSummary> {
  const { everyMs, signal, log } = options
  const loadEveryMs = options.loadEveryMs ?? everyMs * 10
  const maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000
  let failures = 0
  let lastLoad = 0
  const total = { cycles: 0, batches: 0, rows: 0, failures: 0 }
  while (!signal.aborted) {
    const started = Date.now()
    let report: CycleReport
    try {
      const extracted = await stages.extract()
      const transformed = extracted !== null || failures > 0 ? await stages.transform() : 0
      const loadDue = transformed > 0 || started - lastLoad >= loadEveryMs || failures > 0
      const loaded = loadDue ? await stages.load() : { batches: 0, rows: 0 }
      if (loadDue) lastLoad = started
      if (failures > 0) log.info('pipeline recovered', { stage: 'watch', failures, resolved: true })
      failures = 0
      report = {
        at: started,
        extracted,
        transformed,
        loaded: loaded.batches,
        loadedRows: loaded.rows,
        ms: Date.now() - started,
      }
    } catch (error) {
      // Settings wrong from the outset (a logical extract from an embedded source, a warehouse never
      // initialised): retrying cannot mend them, so the command stops and says why once. A ConfigError
      // after cycles that worked (a warehouse dropped under a running service) is retried like any failure.
      if (error instanceof ConfigError && total.cycles === 0) throw error
      failures++
      total.failures++
      const fields = { stage: 'watch', failures, ...errorFields(error) }
      // One alert per incident: the first failure alerts, retries only log.
      if (failures === 1) log.alert('pipeline cycle failed; retrying with backoff', fields)
      else log.error('pipeline cycle failed again', fields)
      report = {
        at: started,
        extracted: null,
        transformed: 0,
        loaded: 0,
        loadedRows: 0,
        ms: Date.now() - started,
        error: error instanceof Error ? error.message : String(error),
      }
    }
    total.cycles++
    total.batches += report.loaded
    total.rows += report.loadedRows
    options.onCycle?.(report)
    const wait =
      failures > 0 ? toBackoffMs(failures, everyMs, maxBackoffMs) : everyMs - (Date.now() - started)
    try {
      await sleep(Math.max(0, wait), undefined, { signal })
    } catch {
      // aborted while waiting
    }
  }
  return total
}
