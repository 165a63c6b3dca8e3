/**
 * The running service's own recent history, in memory for the status page: freshness samples (the
 * store keeps no samples), and this process's warnings, errors and alerts, shown when the status store
 * cannot be read. Bounded ring buffers.
 */
import type { Log, LogFields } from '../log.ts'

const KEEP = 500

export interface RecordedEvent {
  readonly at: number
  readonly level: 'warn' | 'error' | 'alert'
  readonly message: string
  readonly error?: string
}

export class StatusRecorder {
  private readonly freshness: [number, number][] = []
  private readonly events: RecordedEvent[] = []

  recordFreshness(at: number, seconds: number | null): void {
    if (seconds === null) return
    this.freshness.push([at, seconds])
    if (this.freshness.length > KEEP) this.freshness.shift()
  }

  recordEvent(event: RecordedEvent): void {
    this.events.push(event)
    if (this.events.length > KEEP) this.events.shift()
  }

  freshnessSamples(): readonly (readonly [number, number])[] {
    return [...this.freshness]
  }

  recentEvents(): readonly RecordedEvent[] {
    return [...this.events]
  }

  /** A log that also records warnings, errors and alerts here. */
  tap(log: Log): Log {
    const keep =
      (level: RecordedEvent['level']) =>
      (message: string, fields?: LogFields): void => {
        const error = fields?.error
        this.recordEvent({ at: Date.now(), level, message, ...(typeof error === 'string' ? { error } : {}) })
        log[level](message, fields)
      }
    return { ...log, warn: keep('warn'), error: keep('error'), alert: keep('alert') }
  }
}
