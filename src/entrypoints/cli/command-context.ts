/**
 * What every CLI command gets: the settings (flags over the environment over `.env`) turned into lazily
 * opened dependencies, the logger for this run (lines for a person on a terminal, JSON lines
 * elsewhere, credentials redacted either way), progress bars, and the one place a failure is reported.
 * Nothing heavy is imported until a command runs: `--help` loads only this file's light imports.
 */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { exitCodeOf } from '../../core/exit-codes.ts'
import { redactText } from '../../core/redact.ts'
import type { Log, LogEntry, Progress } from '../../log.ts'
import { SETTINGS, type SettingName, type Settings } from '../../settings.ts'
import type { Deps } from '../make-deps.ts'
import { createTerminal, type Terminal } from './terminal.ts'

/** `TOTESYS_DB_URL` ↔ `--totesys-db-url`. */
export function flagOf(name: SettingName): string {
  return `--${name.toLowerCase().replaceAll('_', '-')}`
}

/**
 * Adds every setting as a global flag, and `--dotenv` (not `--env-file`: Node 20 reads that one itself,
 * even after the script's name, and stops when the file is missing).
 */
export function addSettingFlags(program: Command): void {
  program.option(
    '--dotenv <path>',
    'read settings from this file (KEY=value lines); default: .env in the working directory, if there is one',
  )
  for (const [name, help] of Object.entries(SETTINGS)) {
    program.option(`${flagOf(name as SettingName)} <value>`, `${help} [env ${name}]`)
  }
}

/** Reads the global flags back into settings. */
export function settingsFromFlags(options: Record<string, unknown>): Settings {
  const out: Settings = {}
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const camel = name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
    const value = options[camel]
    if (typeof value === 'string') out[name] = value
  }
  return out
}

/** Adds one command to the program; its action runs with the context. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void

export interface CommandContext {
  /** Parses settings and opens deps for the running command; closes them when fn ends. */
  withDeps<T>(command: Command, fn: (deps: Deps) => Promise<T>): Promise<T>
  /** The logger of the running command (set up by `prepare`). */
  readonly log: Log
  /** A progress bar for a long step on a terminal; silent elsewhere. */
  progress(label: string, unit: string): Progress
  /** Whether results printed on stdout may carry colour (a terminal, and no NO_COLOR). */
  colorStdout(): boolean
  /** Reads `.env`, the log settings and the secrets to redact, before the command's action runs. */
  prepare(command: Command): Promise<void>
  /** Reports why a command failed, once, and sets the exit code. */
  fail(error: unknown, command?: string): Promise<void>
}

type Environment = Record<string, string | undefined>

/** The clock a terminal line shows: local `HH:MM:SS`. */
const clock = (time: Date) => time.toTimeString().slice(0, 8)

/**
 * The context of one CLI run. `env` defaults to the process's environment (read by config.ts, when a
 * command runs: `--help` does not load it); tests pass their own.
 */
export function makeCommandContext(
  given?: Environment,
  stderr: NodeJS.WriteStream = process.stderr,
): CommandContext {
  let env: Environment = given ?? {}
  const tty = stderr.isTTY === true
  let terminal: Terminal = createTerminal(stderr, { color: false })
  // Until prepare() has read the settings: the same shapes, with the defaults.
  let current: Log = plainLog(terminal, tty)
  let interactive = false
  let running: string | undefined
  let stdoutColor = false
  const log: Log = {
    debug: (m, f) => current.debug(m, f),
    info: (m, f) => current.info(m, f),
    warn: (m, f) => current.warn(m, f),
    error: (m, f) => current.error(m, f),
    alert: (m, f) => current.alert(m, f),
  }
  return {
    log,
    progress: (label, unit) => (interactive ? terminal.progress(label, unit) : noBar),
    colorStdout: () => stdoutColor,
    async prepare(command) {
      const { processEnvironment } = await import('../../config.ts')
      env = given ?? processEnvironment()
      running = commandPath(command)
      const output = await runSetUpOutput(env, command, stderr)
      ;({ terminal, interactive, stdoutColor } = output)
      current = output.log
    },
    async withDeps<T>(command: Command, fn: (deps: Deps) => Promise<T>): Promise<T> {
      const { processEnvironment } = await import('../../config.ts')
      env = given ?? processEnvironment()
      return runWithDeps(env, command, log, fn)
    },
    async fail(error, command) {
      const { errorFields } = await import('../../log.ts')
      const exitCode = exitCodeOf(error)
      const name = command ?? running
      log.error('command failed', { ...(name ? { command: name } : {}), exitCode, ...errorFields(error) })
      process.exitCode = exitCode
    },
  }
}

/**
 * Reads `.env` (or `--dotenv`), the log settings and the secrets to redact, and makes the terminal and
 * the log of this run: lines for a person on a terminal, JSON lines elsewhere.
 */
async function runSetUpOutput(env: Environment, command: Command, stderr: NodeJS.WriteStream) {
  const { knownSecrets, loadEnvFile, loadOutputSettings } = await import('../../config.ts')
  const { lineLog, redactingLog, toJsonLine } = await import('../../log.ts')
  const { renderLogEntry } = await import('./render-log-entry.ts')
  const tty = stderr.isTTY === true
  const options = command.optsWithGlobals()
  const envFile = typeof options.dotenv === 'string' ? options.dotenv : undefined
  loadEnvFile(env, resolve(envFile ?? '.env'), { required: envFile !== undefined })
  const flags = settingsFromFlags(options)
  const output = loadOutputSettings(env, flags)
  const text = (output.logFormat ?? (tty ? 'text' : 'json')) === 'text'
  const color = output.color ?? (tty && text)
  const interactive = tty && text
  const terminal = createTerminal(stderr, {
    color,
    ...(interactive ? { bars: (await import('cli-progress')).default } : {}),
  })
  const verbose = output.logLevel === 'debug'
  const render = text
    ? (entry: LogEntry) => renderLogEntry(entry, { color, clock: clock(new Date()), verbose })
    : (entry: LogEntry) => toJsonLine(entry, new Date())
  const log = redactingLog(lineLog(terminal.writeLine, render, output.logLevel), knownSecrets(env, flags))
  return { terminal, interactive, stdoutColor: output.color ?? process.stdout.isTTY === true, log }
}

/**
 * Opens the deps of the settings, runs `fn` recorded in the status store, closes them. A store that
 * could not be written is the command's failure, whatever a stage made of it.
 */
async function runWithDeps<T>(
  env: Environment,
  command: Command,
  log: Log,
  fn: (deps: Deps) => Promise<T>,
): Promise<T> {
  const { loadConfig } = await import('../../config.ts')
  const { makeDeps } = await import('../make-deps.ts')
  const { runRecorded } = await import('../../service/record-run.ts')
  const config = loadConfig(env, settingsFromFlags(command.optsWithGlobals()))
  const deps = makeDeps(config, log)
  let result: T
  try {
    result = await runRecorded(deps, command, fn)
  } catch (error) {
    throw deps.storeFailure?.() ?? error
  } finally {
    await deps.close()
  }
  const failure = deps.storeFailure?.()
  if (failure) throw failure
  return result
}

/** `fx backfill` for the backfill subcommand of fx (the program's own name left out). */
function commandPath(command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

const noBar: Progress = { start() {}, advance() {}, stop() {} }

/** The log before the settings are read (a failure in reading them is reported through it). */
function plainLog(terminal: Terminal, tty: boolean): Log {
  const write =
    (level: LogEntry['level']) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      const entry = { level, message, fields }
      if (level === 'debug') return
      const line = tty
        ? `✖ ${typeof fields.error === 'string' ? fields.error.replace(/^\w*Error: /, '') : message}`
        : JSON.stringify({
            level: level.toUpperCase(),
            message,
            timestamp: new Date().toISOString(),
            ...entry.fields,
          })
      terminal.writeLine(redactText(line))
    }
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    alert: write('alert'),
  }
}
