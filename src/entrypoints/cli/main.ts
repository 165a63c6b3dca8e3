#!/usr/bin/env node
/** The `totesys-etl` command line: parses flags, runs one command, reports, sets the exit code. */
import { Command } from 'commander'
import { isTransient } from '../../core/errors.ts'
import { defaultLog, errorFields } from '../../log.ts'
import { addSettingFlags, makeCommandContext } from './command-context.ts'
import { COMMANDS } from './commands/index.ts'

const log = defaultLog({ level: process.env.LOG_LEVEL })
const program = new Command('totesys-etl')
  .description('Incremental, exactly-once ETL from totesys to an S3 data lake and a star-schema warehouse')
  .showHelpAfterError()
addSettingFlags(program)
const ctx = makeCommandContext(process.env, log)
for (const register of COMMANDS) register(program, ctx)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  log.error('command failed', { ...errorFields(error), transient: isTransient(error) })
  // The message alone, for a person at a terminal; the JSON line above is for machines.
  console.error(`totesys-etl: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = isTransient(error) ? 75 : 1
}
