/**
 * A system the operator's views could not read, named with where it is and why, so a report says
 * "warehouse unreachable: …" instead of showing zeros.
 */
import { isTransient } from '../core/errors.ts'
import { EXIT_CODES } from '../core/exit-codes.ts'
import { redactUrl } from '../core/redact.ts'

/** The exit code of `status` and `history` when a system could not be read (the rest is still reported). */
export const UNKNOWN_EXIT = EXIT_CODES.unknown.code

export const STATUS_SYSTEMS = ['warehouse', 'ingestion store', 'processed store'] as const
export type StatusSystem = (typeof STATUS_SYSTEMS)[number]

export interface StatusProblem {
  readonly system: StatusSystem
  /** `unreachable`: could not connect or list; `not initialised`: reachable, without the pipeline's tables. */
  readonly kind: 'unreachable' | 'not initialised' | 'unreadable'
  /** Where the system is, safe to show (no password). */
  readonly where: string
  readonly reason: string
  /** What to do about it. */
  readonly hint: string
}

const SETTING: Readonly<Record<StatusSystem, string>> = {
  warehouse: 'WAREHOUSE_DB_URL',
  'ingestion store': 'INGESTION_STORE',
  'processed store': 'PROCESSED_STORE',
}

/** PostgreSQL's codes for a missing table or schema. */
const UNDEFINED_OBJECT = new Set(['42P01', '3F000'])

/** Any URL inside a text, with its password hidden (drivers put URLs in their messages). */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (url) => redactUrl(url))
}

/** The problem an error reading `system` at `where` amounts to. */
export function toStatusProblem(system: StatusSystem, where: string, error: unknown): StatusProblem {
  const code = (error as { code?: unknown } | null)?.code
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  let reason = redactUrlsIn(error instanceof Error ? error.message : String(error))
  // The io layer names the system and URL in its message ("cannot connect to the warehouse
  // (WAREHOUSE_DB_URL) at postgres://…: "); the problem names them once, in `system` and `where`.
  reason = reason.replace(/^cannot connect to [^:]*?\bat [a-z][a-z0-9+.-]*:\/\/\S+: /i, '')
  reason = reason.replace(`cannot connect to ${where}: `, '')
  reason = reason.split('\n')[0] ?? reason
  if (sqlState !== undefined && UNDEFINED_OBJECT.has(sqlState))
    return {
      system,
      kind: 'not initialised',
      where,
      reason,
      hint: "run 'totesys-etl init' (or point WAREHOUSE_DB_URL at the warehouse)",
    }
  // Connected, but a statement failed (rights, say), or an object that does not parse: not an outage.
  const name = error instanceof Error ? error.name : ''
  const unreadable =
    (sqlState !== undefined && !isTransient(error)) || ['SyntaxError', 'ZodError', 'DataError'].includes(name)
  return {
    system,
    kind: unreadable ? 'unreadable' : 'unreachable',
    where,
    reason,
    hint: `check ${SETTING[system]}${system === 'warehouse' ? '' : ' (and S3_ENDPOINT and credentials for s3://)'}`,
  }
}

/** One line for a person: `warehouse unreachable (postgres://…): connection refused`. */
export function toProblemLine(p: StatusProblem): string {
  return `${p.system} ${p.kind} (${p.where}): ${p.reason}; ${p.hint}`
}

/** Reads each system on its own: a failure becomes a problem (one per system) and a null, not a throw. */
export function problemCollector() {
  const problems: StatusProblem[] = []
  return {
    problems: problems as readonly StatusProblem[],
    async attempt<T>(system: StatusSystem, where: string, read: () => Promise<T>): Promise<T | null> {
      try {
        return await read()
      } catch (error) {
        if (!problems.some((p) => p.system === system)) problems.push(toStatusProblem(system, where, error))
        return null
      }
    },
  }
}
