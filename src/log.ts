/**
 * The logger interface every stage takes, and its implementations. One JSON line per event: a constant
 * message plus fields (stage, batchId, table, rows, ms). `alert` marks an incident a person must see.
 */
import { Logger } from '@aws-lambda-powertools/logger'

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
    logLevel: (options.level ?? 'INFO') as 'INFO',
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

const LEVEL_ORDER = { debug: 0, info: 1, warn: 2, error: 3, alert: 4 } as const

/** A readable logger for a person at a terminal: `12:00:01 INFO  message key=value …`. */
export function terminalLog(write: (line: string) => void, minimum: keyof typeof LEVEL_ORDER = 'info'): Log {
  const at =
    (level: keyof typeof LEVEL_ORDER) =>
    (message: string, fields: LogFields = {}): void => {
      if (LEVEL_ORDER[level] < LEVEL_ORDER[minimum]) return
      const time = new Date().toISOString().slice(11, 19)
      const rest = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ')
      write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${rest ? ` ${rest}` : ''}`)
    }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), alert: at('alert') }
}

/** JSON lines for machines, readable lines on a terminal. */
export function defaultLog(options: { level?: string | undefined } = {}): Log {
  const level = (options.level?.toLowerCase() ?? 'info') as keyof typeof LEVEL_ORDER
  return process.stderr.isTTY
    ? terminalLog((line) => process.stderr.write(`${line}\n`), level in LEVEL_ORDER ? level : 'info')
    : powertoolsLog({ level: options.level })
}
