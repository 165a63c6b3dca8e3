/** What every CLI command gets: the parsed settings turned into lazily opened dependencies. */
import type { Command } from 'commander'
import { loadConfig, SETTINGS, type SettingName, type Settings } from '../../config.ts'
import type { Log } from '../../log.ts'
import { runRecorded } from '../../service/record-run.ts'
import { type Deps, makeDeps } from '../make-deps.ts'

/** `TOTESYS_DB_URL` ↔ `--totesys-db-url`. */
export function flagOf(name: SettingName): string {
  return `--${name.toLowerCase().replaceAll('_', '-')}`
}

/** Adds every setting as a global flag. */
export function addSettingFlags(program: Command): void {
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

export interface CommandContext {
  /** Parses settings and opens deps for the running command; closes them when fn ends. */
  withDeps<T>(command: Command, fn: (deps: Deps) => Promise<T>): Promise<T>
  readonly log: Log
}

export function makeCommandContext(env: Settings, log: Log): CommandContext {
  return {
    log,
    async withDeps(command, fn) {
      const config = loadConfig(env, settingsFromFlags(command.optsWithGlobals()))
      const deps = makeDeps(config, log)
      try {
        return await runRecorded(deps, command, fn)
      } finally {
        await deps.close()
      }
    },
  }
}
