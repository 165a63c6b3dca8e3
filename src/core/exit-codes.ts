/**
 * The CLI's exit codes: what a script can tell from `$?` without reading the message. The numbers
 * above 1 follow BSD sysexits (as 75 "try again later" already did), so tools that know them agree.
 * docs/OPERATIONS.md ("Exit codes") lists the same table; a test keeps the two equal.
 */
import { AccessError, DataError, EtlError, isTransient, StoreError } from './errors.ts'

export const EXIT_CODES = {
  ok: { code: 0, meaning: 'success' },
  failed: {
    code: 1,
    meaning:
      'the command failed or found failures (a table not extracted, a dataset failed, verify found differences, check found a problem), or a flag or setting is invalid; the message says which',
  },
  unknown: {
    code: 2,
    meaning:
      'could not check: status, history or verify could not read a system (named in the message); what is known is still shown',
  },
  usage: { code: 64, meaning: 'usage: an unknown command or option, or a missing argument' },
  data: {
    code: 65,
    meaning:
      'bad data: a file or manifest in a store breaks the contract (checksum, format); the message names it',
  },
  store: {
    code: 74,
    meaning:
      'a store cannot be written or read (read-only, full, no permission, no such bucket); the message names the store and the path',
  },
  transient: {
    code: 75,
    meaning:
      'temporary: a database or store did not answer (refused, timed out, connection dropped) or another run got there first; retrying later can succeed',
  },
  access: {
    code: 78,
    meaning:
      'a configured system refused the settings: the database does not exist, the login or key was rejected, no permission; fix the setting',
  },
} as const

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]['code']

/** The exit code for an error that ended a command. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof AccessError) return EXIT_CODES.access.code
  if (error instanceof StoreError) return EXIT_CODES.store.code
  if (error instanceof DataError) return EXIT_CODES.data.code
  if (isTransient(error)) return EXIT_CODES.transient.code
  if (error instanceof EtlError) return EXIT_CODES.failed.code
  return EXIT_CODES.failed.code
}
