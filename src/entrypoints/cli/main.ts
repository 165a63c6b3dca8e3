#!/usr/bin/env node
/**
 * The `totesys-etl` command line: parses flags, runs one command, reports, sets the exit code. Only the
 * command definitions load here; each command imports what it runs when it runs, so `--help` and
 * `--version` answer at once.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { EXIT_CODES } from '../../core/exit-codes.ts'
import { projectFile } from '../../io/project-file.ts'
import { addSettingFlags, makeCommandContext } from './command-context.ts'
import { COMMANDS } from './commands/index.ts'

/** The version in package.json. */
function packageVersion(): string {
  const json = readFileSync(projectFile('package.json'), 'utf8')
  return (JSON.parse(json) as { version: string }).version
}

const program = new Command('totesys-etl')
  .description('Incremental, exactly-once ETL from totesys to an S3 data lake and a star-schema warehouse')
  .version(packageVersion(), '-V, --version', 'print the version and exit')
  .showHelpAfterError()
  // Commander's errors (unknown option, missing argument) come back as exceptions: exit 64, not 1.
  .exitOverride()
addSettingFlags(program)
const ctx = makeCommandContext()
program.hook('preAction', (_program, action) => ctx.prepare(action))
for (const register of COMMANDS) register(program, ctx)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help, or the version).
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_CODES.usage.code
  } else {
    await ctx.fail(error)
  }
}
