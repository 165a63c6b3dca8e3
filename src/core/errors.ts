/**
 * The pipeline's error family. Whether a failure is worth retrying is a property of the error type
 * (`transient`), not of the call site. Messages say what failed, for which ids, and what to do next.
 */

export interface ErrorIds {
  readonly stage?: string
  readonly table?: string
  readonly batchId?: string
  readonly key?: string
}

export class EtlError extends Error {
  override readonly name: string = 'EtlError'
  readonly transient: boolean = false
  readonly ids: ErrorIds
  constructor(message: string, ids: ErrorIds = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.ids = ids
  }
}

/** Bad configuration or arguments: fix the input and run again. */
export class ConfigError extends EtlError {
  override readonly name = 'ConfigError'
}

/** A source or store that did not answer: retry later. */
export class UnavailableError extends EtlError {
  override readonly name = 'UnavailableError'
  override readonly transient = true
}

/** Another run committed the same batch first: not a failure, this run's work is discarded. */
export class ConflictError extends EtlError {
  override readonly name = 'ConflictError'
  override readonly transient = true
}

/** Data that breaks the contract (a file whose checksum does not match, a manifest that does not parse). */
export class DataError extends EtlError {
  override readonly name = 'DataError'
}

/**
 * A configured system answered and refused: the database does not exist, the login or the key was
 * rejected, no permission. Retrying cannot help; fix the setting or the grant.
 */
export class AccessError extends EtlError {
  override readonly name = 'AccessError'
}

/** A store could not be written (read-only, full, no permission): the message names the store and the path. */
export class StoreError extends EtlError {
  override readonly name = 'StoreError'
}

/**
 * The one classifier of a failed operation, by what failed rather than where: an EtlError keeps its type,
 * a transient failure (see isTransient) passes through untouched so its caller retries, a database
 * refusal of the data (SQLSTATE class 21: a key twice in one statement; 22: a value that does not fit;
 * 23: a constraint) becomes a DataError, anything else an EtlError; both say `what` failed, keep the
 * driver's message and cause, and carry the ids. `advice.foreignKey` is appended to a foreign-key
 * violation (23503): what the missing key means for this operation.
 */
export function classifyError(
  error: unknown,
  what: string,
  ids: ErrorIds,
  advice: { readonly foreignKey?: string } = {},
): unknown {
  if (error instanceof EtlError || isTransient(error)) return error
  const code = String((error as { code?: unknown } | null)?.code ?? '')
  const message = `${what}: ${(error as Error | null)?.message}`
  if (code === '23503' && advice.foreignKey !== undefined)
    return new DataError(`${message} (${advice.foreignKey})`, ids, { cause: error })
  return /^2[123]/.test(code)
    ? new DataError(message, ids, { cause: error })
    : new EtlError(message, ids, { cause: error })
}

/** True when retrying the failed operation can succeed without anyone changing anything. */
export function isTransient(error: unknown): boolean {
  if (error instanceof EtlError) return error.transient
  // pg reports a connection dropped mid-statement by message only.
  if (error instanceof Error && /Connection terminated|connection timeout/i.test(error.message)) return true
  const code = (error as { code?: unknown } | null)?.code
  // Connection-level failures from node and the PostgreSQL driver.
  return (
    typeof code === 'string' &&
    ([
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'ENOTFOUND',
      '57P01',
      '57P03',
      '08006',
      '08001',
    ].includes(code) ||
      code.startsWith('08'))
  )
}
