/** Keeps the running service's recent history in memory for the status page: bounded ring buffers. */
import type { Log, LogFields } from '../log.ts'
import type { StatusHistory } from './status-page.ts'

const KEEP = 200

export class StatusRecorder {
  private readonly freshness: [number, number][] = []
  private readonly batches: [string, number][] = []
  private readonly events: { at: number; level: string; message: string }[] = []

  recordFreshness(at: number, seconds: number | null): void {
    if (seconds === null) return
    this.freshness.push([at, seconds])
    if (this.freshness.length > KEEP) this.freshness.shift()
  }

  recordBatch(batchId: string, rows: number): void {
    if (this.batches.some(([id]) => id === batchId)) return
    this.batches.push([batchId, rows])
    if (this.batches.length > 60) this.batches.shift()
  }

  recordEvent(level: string, message: string, at = Date.now()): void {
    this.events.push({ at, level, message })
    if (this.events.length > KEEP) this.events.shift()
  }

  history(): StatusHistory {
    return { freshness: [...this.freshness], batches: [...this.batches], events: [...this.events] }
  }

  /** A log that also records warnings, errors and alerts here. */
  tap(log: Log): Log {
    const keep =
      (level: 'warn' | 'error' | 'alert') =>
      (message: string, fields?: LogFields): void => {
        this.recordEvent(level, message)
        log[level](message, fields)
      }
    return { ...log, warn: keep('warn'), error: keep('error'), alert: keep('alert') }
  }
}
