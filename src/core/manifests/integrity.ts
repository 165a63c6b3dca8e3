/**
 * Integrity of the lake: every reader checks a data file against the sha256 its manifest recorded before
 * using it. A mismatch is a DataError that names the file, both hashes and what to do; the reader refuses
 * the batch (nothing of it goes further) and alerts.
 */
import { DataError, type ErrorIds } from '../errors.ts'

export interface FileCheck {
  /** The file's key in its store, and the store (for the message). */
  readonly key: string
  readonly store: string
  readonly batchId: string
  readonly table?: string
  /** What the manifest recorded (null: it recorded none, which is itself a mismatch). */
  readonly expected: string | null
  /** What the file holds now, or why it could not be read through (a gzip that does not inflate). */
  readonly actual: { readonly sha256: string } | { readonly unreadable: string }
}

/** The refusal for a file that does not match its manifest, or undefined when it matches (pure). */
export function toIntegrityError(check: FileCheck, stage: string): DataError | undefined {
  if ('sha256' in check.actual && check.actual.sha256 === check.expected) return undefined
  const found =
    'sha256' in check.actual
      ? `sha256 ${check.actual.sha256}`
      : `a file that cannot be read (${check.actual.unreadable})`
  const ids: ErrorIds = {
    stage,
    batchId: check.batchId,
    key: check.key,
    ...(check.table ? { table: check.table } : {}),
  }
  return new DataError(
    `batch ${check.batchId}: ${check.key} in ${check.store} does not match its manifest: it holds ${found}, the manifest says sha256 ${check.expected ?? '(none)'}. The file changed after the batch was committed, so the ${stage} refused the batch and everything after it. Restore the file from the store's object versions or a backup and run the ${stage} again (docs/OPERATIONS.md, "A lake file does not match its manifest")`,
    ids,
  )
}
