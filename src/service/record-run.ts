/**
 * Every command that does work leaves a trace in the status store: its alerts, errors and batch timings
 * as they are logged (statusLog), and one run outcome when it ends (ok, failed with the error, or the
 * exit code it set). Commands that only read write nothing, not even their outcome: they may run with
 * read-only rights, and a `status` every few seconds is not news.
 */
import type { ObjectStore } from '../io/object-store.ts'
import { errorFields, type Log } from '../log.ts'
import { statusLog, statusWriter } from './status-log.ts'
import { runPruneStatus } from './status-store.ts'

/** Commands (by their path, `fx fetch`) that only read. */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set([
  'status',
  'history',
  'check',
  'quarantine list',
  'schema list',
  'datasets quarantine',
  'api',
])

/** The shape of a commander Command that naming a run needs. */
export interface CommandLike {
  name(): string
  readonly parent: CommandLike | null
}

/** `datasets run` for the `run` subcommand of `datasets` (the program's own name left out). */
export function toCommandPath(command: CommandLike): string {
  const names: string[] = []
  for (let c: CommandLike | null = command; c?.parent; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

export interface RecordOptions {
  readonly now?: () => number
  /** The exit code the command set without throwing (verify's 1 on differences); process.exitCode by default. */
  readonly exitCode?: () => number | undefined
  /**
   * Whether to delete the days past retention as it writes (default true). The Lambdas say false: they
   * may not delete status objects; a lifecycle rule on the bucket expires them instead.
   */
  readonly prune?: boolean
}

/** Runs a command's body with the status store's log, and records how it ended. */
export async function runRecorded<D extends { readonly log: Log; readonly processed: ObjectStore }, T>(
  deps: D,
  command: CommandLike,
  fn: (deps: D) => Promise<T>,
  options: RecordOptions = {},
): Promise<T> {
  const path = toCommandPath(command)
  if (READ_ONLY_COMMANDS.has(path)) return fn(deps)
  return runRecordedAs(deps, path, fn, options)
}

/** Runs `fn` with the status store's log and records its outcome under the command name `path`. */
export async function runRecordedAs<D extends { readonly log: Log; readonly processed: ObjectStore }, T>(
  deps: D,
  path: string,
  fn: (deps: D) => Promise<T>,
  options: RecordOptions = {},
): Promise<T> {
  const now = options.now ?? Date.now
  const exitCode = options.exitCode ?? (() => Number(process.exitCode ?? 0) || undefined)
  const writer = statusWriter(deps.processed, deps.log)
  const started = now()
  const outcome = (fields: {
    outcome: 'ok' | 'failed'
    message: string
    exitCode?: number
    error?: string
  }) => writer.write({ at: now(), kind: 'run', command: path, ms: now() - started, ...fields })
  try {
    const result = await fn({ ...deps, log: statusLog(deps.log, writer, path, now) })
    const code = exitCode()
    if (code) outcome({ outcome: 'failed', message: `${path} exited ${code}`, exitCode: code })
    else outcome({ outcome: 'ok', message: `${path} finished`, exitCode: 0 })
    return result
  } catch (error) {
    const { error: text, causes } = errorFields(error)
    outcome({
      outcome: 'failed',
      message: `${path} failed`,
      error: [String(text), ...(Array.isArray(causes) ? causes.map(String) : [])].join(' ← ').slice(0, 4000),
    })
    throw error
  } finally {
    // Retention rides along with the writes, so a store written every day is pruned every day.
    if (options.prune !== false) void runPruneStatus(deps.processed, now()).catch(() => 0)
    await writer.flush()
  }
}
