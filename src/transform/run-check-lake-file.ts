/**
 * Checks a gzip'd CSV of the ingestion store (a batch file or held quarantine rows) against the sha256 of
 * its uncompressed content, as the manifest recorded it; on a mismatch alerts and throws the DataError of
 * core/manifests/integrity.ts.
 */
import { toIntegrityError } from '../core/manifests/integrity.ts'
import { runDigestLocalFile, runDigestObject } from '../io/object-digest.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'

export interface LakeFile {
  readonly key: string
  readonly batchId: string
  readonly table?: string
  readonly expected: string | null
}

/**
 * Checks `file`: its local copy at `from` (the one about to be read), or the object in the store `from`
 * when nothing local will be read.
 */
export async function runCheckLakeFile(
  from: string | ObjectStore,
  file: LakeFile,
  ctx: { readonly store: string; readonly stage: string; readonly log: Log },
): Promise<void> {
  const digest =
    typeof from === 'string'
      ? runDigestLocalFile(from, { gunzip: true })
      : runDigestObject(from, file.key, { gunzip: true })
  const actual = await digest.then(
    (sha256) => ({ sha256 }),
    (error: unknown) => ({ unreadable: error instanceof Error ? error.message : String(error) }),
  )
  const error = toIntegrityError({ ...file, store: ctx.store, actual }, ctx.stage)
  if (!error) return
  ctx.log.alert('lake file does not match its manifest; batch refused', {
    stage: ctx.stage,
    batchId: file.batchId,
    ...(file.table ? { table: file.table } : {}),
    key: file.key,
    expected: file.expected,
    ...actual,
  })
  throw error
}
