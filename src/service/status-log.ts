/**
 * The status store's writers: a Log decorator that records, as they are logged, the alerts, errors,
 * warnings, resolutions and per-stage batch lines of any command, and the writer underneath it.
 * Writing the status store never fails a command: a write that fails is logged once as a warning and
 * the command carries on; the log lines themselves are untouched.
 */
import type { ObjectStore } from '../io/object-store.ts'
import { errorFields, type Log, type LogFields } from '../log.ts'
import { runWriteStatusEvent, type StatusEvent, type StatusKind } from './status-store.ts'

export interface StatusWriter {
  /** Queues an event; never throws. */
  write(event: StatusEvent): void
  /** Waits (at most timeoutMs) for the queued writes. */
  flush(timeoutMs?: number): Promise<void>
}

/** A writer to a store; the first failure is reported on `log`, later ones are silent. */
export function statusWriter(store: ObjectStore, log: Log): StatusWriter {
  const pending = new Set<Promise<void>>()
  let warned = false
  return {
    write(event) {
      const p = runWriteStatusEvent(store, event)
        .catch((error: unknown) => {
          if (warned) return
          warned = true
          log.warn('status store could not be written; alerts still go to this log', {
            stage: 'status',
            store: store.description,
            ...errorFields(error),
          })
        })
        .finally(() => pending.delete(p))
      pending.add(p)
    },
    async flush(timeoutMs = 5000) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs)
        timer.unref()
      })
      await Promise.race([Promise.allSettled([...pending]), timeout])
      clearTimeout(timer)
    },
  }
}

const STAGES = new Set(['extract', 'transform', 'load'])
/** The same warning or error is stored at most once per this interval (a retry loop repeats them). */
const REPEAT_MS = 10 * 60_000

/** Rows of a stage's log line: a number, or the sum of a per-table record (`rows` or `tables`). */
export function toRowCount(fields: LogFields): number | undefined {
  const sum = (record: unknown): number | undefined => {
    if (typeof record !== 'object' || record === null) return undefined
    let total = 0
    for (const v of Object.values(record)) {
      if (typeof v === 'number') total += v
      else if (typeof v === 'object' && v !== null && typeof (v as { rows?: unknown }).rows === 'number')
        total += (v as { rows: number }).rows
    }
    return total
  }
  return typeof fields.rows === 'number' ? fields.rows : (sum(fields.rows) ?? sum(fields.tables))
}

/** The event a log line becomes, or undefined for a line the status store does not keep. */
export function toStatusEvent(
  level: 'info' | 'warn' | 'error' | 'alert',
  message: string,
  fields: LogFields,
  command: string,
  at: number,
): StatusEvent | undefined {
  let kind: StatusKind | undefined
  if (level === 'alert') kind = 'alert'
  else if (level === 'error') kind = fields.repeatOfAlert === true ? undefined : 'error'
  else if (level === 'warn') kind = 'warn'
  else if (fields.resolved === true) kind = 'resolved'
  else if (
    typeof fields.stage === 'string' &&
    STAGES.has(fields.stage) &&
    typeof fields.batchId === 'string' &&
    typeof fields.ms === 'number' &&
    fields.stream === undefined &&
    fields.committed !== false
  )
    kind = 'batch'
  if (kind === undefined) return undefined
  const { stage, batchId, table, rows, ms, error, causes, ...rest } = fields
  const rowCount = toRowCount(fields)
  const errorText =
    typeof error === 'string'
      ? [error, ...(Array.isArray(causes) ? causes.map(String) : [])].join(' ← ').slice(0, 4000)
      : undefined
  const extra = kind === 'batch' ? undefined : boundFields(rest)
  return {
    at,
    kind,
    command,
    message: message.slice(0, 2000),
    ...(typeof stage === 'string' ? { stage } : {}),
    ...(typeof batchId === 'string' ? { batchId } : {}),
    ...(typeof table === 'string' ? { table } : {}),
    ...(rowCount === undefined ? {} : { rows: rowCount }),
    ...(typeof ms === 'number' && ms >= 0 ? { ms } : {}),
    ...(errorText === undefined ? {} : { error: errorText }),
    ...(extra === undefined ? {} : { fields: extra }),
  }
}

/** The remaining fields if they are small; a note otherwise (an event must stay small). */
function boundFields(rest: Record<string, unknown>): Record<string, unknown> | undefined {
  if (Object.keys(rest).length === 0) return undefined
  const text = JSON.stringify(rest)
  return text.length <= 2000 ? (JSON.parse(text) as Record<string, unknown>) : { truncated: true }
}

/** Wraps a log so what the status store keeps is also written there (see toStatusEvent). */
export function statusLog(
  log: Log,
  writer: StatusWriter,
  command: string,
  now: () => number = Date.now,
): Log {
  const lastStored = new Map<string, number>()
  const record = (level: 'info' | 'warn' | 'error' | 'alert', message: string, fields: LogFields) => {
    const at = now()
    const event = toStatusEvent(level, message, fields, command, at)
    if (!event) return
    if (level === 'warn' || level === 'error') {
      const key = `${level}|${message}|${String(fields.table ?? '')}`
      const last = lastStored.get(key)
      if (last !== undefined && at - last < REPEAT_MS) return
      lastStored.set(key, at)
    }
    writer.write(event)
  }
  const pass =
    (level: 'info' | 'warn' | 'error' | 'alert') =>
    (message: string, fields: LogFields = {}): void => {
      log[level](message, fields)
      record(level, message, fields)
    }
  return { ...log, info: pass('info'), warn: pass('warn'), error: pass('error'), alert: pass('alert') }
}
