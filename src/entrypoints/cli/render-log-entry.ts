/**
 * How a log entry looks to a person at a terminal (pure: entry in, line out). The stages log constant
 * messages plus fields (stage, batchId, rows, ms); a batch that moved becomes one line per stage, as dbt
 * prints one per model:
 *
 *   12:00:01 ✔ load       batch 0000000042  1,630 rows  0.41 s
 *
 * Warnings and errors stand out in colour and by their mark; anything else is its message and fields.
 */
import pc from 'picocolors'
import type { LogEntry, LogFields } from '../../log.ts'

export interface RenderOptions {
  /** ANSI colours on (a terminal that wants them) or off (NO_COLOR, a pipe). */
  readonly color: boolean
  /** The entry's time as the line shows it, e.g. `12:00:01`; omitted, the line has no time. */
  readonly clock?: string
  /** Show what is quiet by default (an extract that found nothing). */
  readonly verbose?: boolean
}

/** Stage messages that mean a batch moved (✔), or that another run did the work (↷). */
const BATCH_LINES: Readonly<Record<string, 'done' | 'other-run'>> = {
  'extract committed a batch': 'done',
  'batch transformed': 'done',
  'batch loaded': 'done',
  'stream batch transformed': 'done',
  'stream batch loaded': 'done',
  'fx answers landed': 'done',
  'dataset files landed': 'done',
  'quarantine entry replayed': 'done',
  'batch already loaded by another run': 'other-run',
  'transform batch already committed by another run; discarded': 'other-run',
  'extract lost the race to commit a batch; another run committed it': 'other-run',
}

/** Messages only worth a line when asked for (LOG_LEVEL=debug): they repeat every few seconds. */
const QUIET = new Set(['extract found no changes'])

/** Fields a stage line shows in its own places, not as `key=value`. */
const PLACED = new Set(['stage', 'batchId', 'rows', 'tables', 'ms', 'committed', 'quarantinedRows'])

const NUMBER = new Intl.NumberFormat('en-US')

/** `1630` → `1,630`. */
export function formatCount(n: number): string {
  return NUMBER.format(n)
}

/** `410` → `0.41 s`, `65000` → `1m 05s`. */
export function formatMs(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
}

/**
 * The rows a stage entry moved: `rows` as a number, or summed over a per-table map (`{ staff: 3 }`), or
 * over `tables` of `{ rows }` (a load). Undefined when the entry does not say.
 */
export function rowsOf(fields: LogFields): number | undefined {
  const sum = (values: unknown[]) => {
    let total = 0
    let any = false
    for (const v of values) {
      const n = typeof v === 'number' ? v : (v as { rows?: unknown } | null)?.rows
      if (typeof n === 'number') {
        total += n
        any = true
      }
    }
    return any ? total : undefined
  }
  const { rows, tables } = fields
  if (typeof rows === 'number') return rows
  if (rows && typeof rows === 'object') return sum(Object.values(rows))
  if (tables && typeof tables === 'object') return sum(Object.values(tables))
  return undefined
}

/** Numbers that are names, not quantities: no thousands separators. */
const NAME_LIKE = /(seed|id|port|pid|year|code)$/i

function formatValue(value: unknown, key = ''): string {
  if (typeof value === 'number') return NAME_LIKE.test(key) ? String(value) : formatCount(value)
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 120 ? `${text.slice(0, 117)}…` : text
}

function formatFields(fields: LogFields, skip: ReadonlySet<string>): string {
  return Object.entries(fields)
    .filter(([key, value]) => !skip.has(key) && value !== undefined && key !== 'error' && key !== 'causes')
    .map(([key, value]) =>
      key === 'ms' && typeof value === 'number' ? formatMs(value) : `${key}=${formatValue(value, key)}`,
    )
    .join('  ')
}

/** Our error names are noise to a person; anything else (a TypeError) is worth keeping. */
function errorText(fields: LogFields): string | undefined {
  const error = fields.error
  if (typeof error !== 'string') return undefined
  return error.replace(
    /^(EtlError|ConfigError|AccessError|StoreError|DataError|UnavailableError|ConflictError): /,
    '',
  )
}

const EXIT_HINTS: Readonly<Record<number, string>> = {
  64: 'usage',
  65: 'bad data: see the message',
  74: 'store cannot be written',
  75: 'temporary: try again later',
  78: 'fix the setting',
}

function summaryBlock(c: ReturnType<typeof pc.createColors>, head: string, fields: LogFields): string {
  const freshness = fields.freshnessSeconds
  const rows: [string, string][] = [
    ['batches', typeof fields.batches === 'number' ? formatCount(fields.batches) : 'unknown'],
    ['rows', typeof fields.rows === 'number' ? formatCount(fields.rows) : 'unknown'],
    [
      'failures',
      typeof fields.failures === 'number'
        ? fields.failures > 0
          ? c.red(formatCount(fields.failures))
          : '0'
        : 'unknown',
    ],
    // Unknown is never shown as zero: no loaded change means no freshness to tell.
    ['freshness', typeof freshness === 'number' ? formatMs(freshness * 1000) : 'unknown'],
  ]
  const pad = ' '.repeat(head.length)
  return [
    `${head}${c.bold('■ stopped')}`,
    ...rows.map(([k, v]) => `${pad}  ${c.dim(k.padEnd(10))}${v}`),
  ].join('\n')
}

/** One entry as a terminal line (or block); undefined when the entry is not worth a line at this verbosity. */
export function renderLogEntry(entry: LogEntry, options: RenderOptions): string | undefined {
  const c = pc.createColors(options.color)
  const { level, message, fields } = entry
  const head = options.clock === undefined ? '' : `${c.dim(options.clock)} `
  if (QUIET.has(message) && !options.verbose) return undefined

  if (message === 'service stopped') return summaryBlock(c, head, fields)

  if (message === 'command failed') {
    const code = typeof fields.exitCode === 'number' ? fields.exitCode : undefined
    const command = typeof fields.command === 'string' ? `${fields.command}: ` : ''
    const hint =
      code === undefined ? '' : c.dim(`  [exit ${code}${EXIT_HINTS[code] ? `: ${EXIT_HINTS[code]}` : ''}]`)
    const causes =
      options.verbose && Array.isArray(fields.causes)
        ? fields.causes.map((cause) => `\n${head}  ${c.dim(`caused by ${String(cause)}`)}`).join('')
        : ''
    return `${head}${c.red(c.bold('✖'))} ${command}${c.red(errorText(fields) ?? message)}${hint}${causes}`
  }

  const kind = BATCH_LINES[message]
  if (kind !== undefined && level === 'info') {
    const stage = typeof fields.stage === 'string' ? fields.stage : (message.split(' ')[0] ?? '')
    const otherRun = kind === 'other-run' || fields.committed === false
    const rows = rowsOf(fields)
    const parts = [
      typeof fields.batchId === 'string' ? `batch ${fields.batchId}` : undefined,
      otherRun ? 'done by another run' : rows === undefined ? undefined : `${formatCount(rows)} rows`,
      typeof fields.quarantinedRows === 'number' && fields.quarantinedRows > 0
        ? c.yellow(`${formatCount(fields.quarantinedRows)} held in quarantine`)
        : undefined,
      typeof fields.ms === 'number' ? c.dim(formatMs(fields.ms)) : undefined,
      formatFields(fields, new Set([...PLACED, 'tables', 'more'])) || undefined,
    ].filter((p) => p !== undefined)
    const mark = otherRun ? c.dim('↷') : c.green('✔')
    const what = stage === 'extract' || stage === 'transform' || stage === 'load' ? stage : stage || message
    return `${head}${mark} ${c.bold(what.padEnd(9))} ${parts.join('  ')}`
  }

  // `ids` repeat what the error message says.
  const rest = formatFields(fields, new Set(['stage', 'alert', 'ids']))
  const error = errorText(fields)
  const tail = `${rest ? `  ${c.dim(rest)}` : ''}${error ? `  ${error}` : ''}`
  switch (level) {
    case 'alert':
      return `${head}${c.red(c.bold('‼ ALERT'))} ${c.red(message)}${tail}`
    case 'error':
      return `${head}${c.red('✖')} ${c.red(message)}${tail}`
    case 'warn':
      return `${head}${c.yellow('⚠')} ${c.yellow(message)}${tail}`
    case 'debug':
      return `${head}${c.dim(`· ${message}${tail}`)}`
    default:
      return `${head}${c.cyan('·')} ${message}${tail}`
  }
}
