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
  EIO: 'an input/output error on the device',
  AccessDenied: 'access denied (check the IAM policy and the bucket policy)',
  NoSuchBucket: 'the bucket does not exist',
  InvalidAccessKeyId: 'the AWS access key is not known',
  SignatureDoesNotMatch: 'the AWS secret key does not match',
  ExpiredToken: 'the AWS session token has expired',
}

/**
 * Emscripten's errno numbers for the codes above: PGlite's file system throws an `ErrnoError` that holds
 * only its number (and is no Error), e.g. 51 when an embedded database's folder fills its disk.
 */
const EMSCRIPTEN_ERRNO: ReadonlyMap<number, string> = new Map([
  [2, 'EACCES'],
  [19, 'EDQUOT'],
  [29, 'EIO'],
  [31, 'EISDIR'],
  [33, 'EMFILE'],
  [44, 'ENOENT'],
  [51, 'ENOSPC'],
  [54, 'ENOTDIR'],
  [63, 'EPERM'],
  [69, 'EROFS'],
])

/** The code of a file system error (EROFS …) or the name of an S3 error (AccessDenied …). */
function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; name?: unknown; errno?: unknown } | null
  if (typeof e?.code === 'string') return e.code
  if (e?.name === 'ErrnoError' && typeof e.errno === 'number') return EMSCRIPTEN_ERRNO.get(e.errno)
  if (typeof e?.name === 'string' && Object.hasOwn(WHY, e.name)) return e.name
  return undefined
}

/** What failed, in words: an Error's message, else a thrown object's message or name (never `[object Object]`). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  const e = error as { message?: unknown; name?: unknown; errno?: unknown } | null
  if (typeof e?.message === 'string' && e.message !== '') return e.message
  if (typeof e?.name === 'string') return typeof e.errno === 'number' ? `${e.name} ${e.errno}` : e.name
  return String(error)
}

/** Whether `error` is a file system's or S3's failure this module can name (a StoreError's kind). */
export function isStoreFailure(error: unknown): boolean {
  const code = codeOf(error)
  return code !== undefined && Object.hasOwn(WHY, code)
}

/** A StoreError for a failed `operation` ('write', 'read', 'delete', 'list') of `path` in a store. */
export function toStoreError(store: string, operation: string, path: string, error: unknown): Error {
  if (error instanceof EtlError) return error
  const code = codeOf(error)
  const why = (code && Object.hasOwn(WHY, code) ? WHY[code] : undefined) ?? messageOf(error)
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
