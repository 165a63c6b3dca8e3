/**
 * How verify reports progress, behind a small interface so the checks stay free of terminal code: the
 * CLI shows a bar on a TTY; tests and pipes get nothing.
 */

export type ProgressUnit = 'rows' | 'files' | 'tables' | 'databases'

export interface VerifyProgress {
  /** A phase starts with `total` units to do (0 when unknown). */
  phase(name: string, total: number, unit: ProgressUnit): void
  /** `n` more units are done. */
  advance(n: number): void
  /** Verify is over (success or not). */
  stop(): void
}

export const noProgress: VerifyProgress = { phase() {}, advance() {}, stop() {} }
