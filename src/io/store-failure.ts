/**
 * Turns an error from a store's file system or S3 into a StoreError that says which store, which
 * object and why, in words an operator can act on. Errors that are already ours pass through.
 */
import { EtlError, StoreError } from '../core/errors.ts'

const WHY: Readonly<Record<string, string>> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a path segment is a file, not a folder',
  ENOENT: 'the folder cannot be created there',
  EISDIR: 'a folder stands where the file should be',
  EMFILE: 'too many open files',
  AccessDenied: 'access denied (check the IAM policy and the bucket policy)',
  NoSuchBucket: 'the bucket does not exist',
  InvalidAccessKeyId: 'the AWS access key is not known',
  SignatureDoesNotMatch: 'the AWS secret key does not match',
  ExpiredToken: 'the AWS session token has expired',
}

/** The code of a file system error (EROFS …) or the name of an S3 error (AccessDenied …). */
function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; name?: unknown } | null
  if (typeof e?.code === 'string') return e.code
  if (typeof e?.name === 'string' && e.name in WHY) return e.name
  return undefined
}

/** A StoreError for a failed `operation` ('write', 'read', 'delete', 'list') of `path` in a store. */
export function toStoreError(store: string, operation: string, path: string, error: unknown): Error {
  if (error instanceof EtlError) return error
  const code = codeOf(error)
  const why = (code && WHY[code]) ?? (error instanceof Error ? error.message : String(error))
  return new StoreError(
    `${store}: cannot ${operation} ${path}: ${why}${code ? ` (${code})` : ''}`,
    { key: path },
    { cause: error },
  )
}

/** Runs fn, turning its failure into a StoreError. */
export async function storeCall<T>(
  store: string,
  operation: string,
  path: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw toStoreError(store, operation, path, error)
  }
}
