/**
 * The logger interface every stage takes, and its implementations. One JSON line per event: a constant
 * message plus fields (stage, batchId, table, rows, ms). `alert` marks an incident a person must see.
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { redactText } from './core/redact.ts'

export type LogFields = Readonly<Record<string, unknown>>

export interface Log {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** An incident for a person: logged at CRITICAL with `alert: true`, and sent to any notifier. */
  alert(message: string, fields?: LogFields): void
}

/** Turns an error into loggable fields: name, message, ids, and the chain of causes. */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) }
  const causes: string[] = []
  let cause: unknown = error.cause
  while (cause instanceof Error && causes.length < 5) {
    causes.push(`${cause.name}: ${cause.message}`)
    cause = cause.cause
  }
  const ids = (error as { ids?: unknown }).ids
  return {
    error: `${error.name}: ${error.message}`,
    ...(causes.length ? { causes } : {}),
    ...(ids ? { ids } : {}),
  }
}

/** The production logger: Powertools for AWS Lambda, which also works outside Lambda. */
export function powertoolsLog(options: { level?: string; service?: string } = {}): Log {
  const logger = new Logger({
    serviceName: options.service ?? 'totesys-etl',
    logLevel: (options.level ?? 'INFO').toUpperCase() as 'INFO',
  })
  return {
    debug: (message, fields = {}) => logger.debug(message, { ...fields }),
    info: (message, fields = {}) => logger.info(message, { ...fields }),
    warn: (message, fields = {}) => logger.warn(message, { ...fields }),
    error: (message, fields = {}) => logger.error(message, { ...fields }),
    alert: (message, fields = {}) => logger.critical(message, { ...fields, alert: true }),
  }
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error' | 'alert'
  readonly message: string
  readonly fields: LogFields
}

/** A logger that keeps entries in memory (tests, and the status page's recent events). */
export function memoryLog(): Log & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const at =
    (level: LogEntry['level']) =>
    (message: string, fields: LogFields = {}): void => {
      entries.push({ level, message, fields })
    }
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    alert: at('alert'),
  }
}

/** A logger that writes nowhere. */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {}, alert() {} }

/** Severity order: an entry is written when its level is at or above the logger's minimum. */
export const LEVEL_ORDER = { debug: 0, info: 1, warn: 2, error: 3, alert: 4 } as const
export type LevelName = keyof typeof LEVEL_ORDER

/** A logger that renders each entry at or above `minimum` to a line (or skips it) and writes it. */
export function lineLog(
  write: (line: string) => void,
  render: (entry: LogEntry) => string | undefined,
  minimum: LevelName = 'info',
): Log {
  const at =
    (level: LevelName) =>
    (message: string, fields: LogFields = {}): void => {
      if (LEVEL_ORDER[level] < LEVEL_ORDER[minimum]) return
      const line = render({ level, message, fields })
      if (line !== undefined) write(line)
    }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), alert: at('alert') }
}

function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactText(value, secrets)
  if (depth > 6 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secrets, depth + 1)]))
}

/**
 * A logger that hides credentials in every message and field (URL passwords, `password=` pairs and
 * the given secrets, whatever a driver put in its error text) before the inner logger sees them.
 */
export function redactingLog(inner: Log, secrets: readonly string[] = []): Log {
  const at =
    (level: LevelName) =>
    (message: string, fields: LogFields = {}): void =>
      inner[level](redactText(message, secrets), redactValue(fields, secrets, 0) as LogFields)
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), alert: at('alert') }
}

const JSON_LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', alert: 'CRITICAL' } as const

/**
 * An entry as one JSON object, in the shape Powertools gives the Lambda logs (level, message,
 * timestamp, service, then the fields; an alert is CRITICAL with `alert: true`), so one query reads both.
 */
export function toJsonLine(entry: LogEntry, time: Date, service = 'totesys-etl'): string {
  const { level, message, fields } = entry
  const head = { level: JSON_LEVELS[level], message, timestamp: time.toISOString(), service }
  return JSON.stringify(
    // The head first and last: first for the order a reader expects, last so no field can overwrite it.
    { ...head, ...fields, ...head, ...(level === 'alert' ? { alert: true } : {}) },
    (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
  )
}

/** How a long step tells a person how far it got (a bar on a terminal; nothing elsewhere). */
export interface Progress {
  /** Shows the bar; called again while it runs, sets a new total. */
  start(total: number): void
  /** `n` more units done; `label` says what is being worked on now (a table, a batch). */
  advance(n: number, label?: string): void
  stop(): void
}

/** A Progress that shows nothing (not a terminal, JSON logs, tests). */
export const noProgress: Progress = { start() {}, advance() {}, stop() {} }
