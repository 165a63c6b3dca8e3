/**
 * A progress bar over the batches a stage has ahead of it (a first load, a rebuild): started when more
 * than one batch is pending, moved one batch for each batch the stage logs as done, with the rows so far.
 * The stages know nothing of it: the bar reads the log lines they write anyway.
 */
import { batchIdsFromKeys, MANIFEST_PREFIX } from '../../core/batch-id.ts'
import type { Log, LogFields, Progress } from '../../log.ts'

/** The log lines that say a stage finished one batch (by itself or found done by another run). */
export const BATCH_DONE_MESSAGES = {
  transform: ['batch transformed'],
  load: ['batch loaded', 'batch already loaded by another run'],
} as const

/** Rows a batch-done line reports: load's `tables.*.rows` or transform's `rows.*`. */
export function toBatchRows(fields: LogFields = {}): number {
  const tables = (fields.tables ?? {}) as Record<string, { rows?: number } | undefined>
  let rows = 0
  for (const t of Object.values(tables)) rows += t?.rows ?? 0
  const perTable = (fields.rows ?? {}) as Record<string, unknown>
  if (typeof perTable === 'object' && perTable !== null)
    for (const n of Object.values(perTable)) if (typeof n === 'number') rows += n
  return rows
}

/** A log that also moves the bar one batch for each line in `done` (and still writes every line). */
export function advancingLog(log: Log, progress: Progress, done: readonly string[]): Log {
  let rows = 0
  return {
    debug: (message, fields) => log.debug(message, fields),
    info: (message, fields) => {
      if (done.includes(message)) {
        rows += toBatchRows(fields)
        progress.advance(1, `${rows.toLocaleString('en-US')} rows`)
      }
      log.info(message, fields)
    },
    warn: (message, fields) => log.warn(message, fields),
    error: (message, fields) => log.error(message, fields),
    alert: (message, fields) => log.alert(message, fields),
  }
}

/** The ids of the batches one store has committed and the next has not (up to `until`), in order. */
export function toPendingBatchIds(
  upstream: readonly string[],
  downstream: readonly string[],
  until?: string,
): string[] {
  const done = new Set(downstream)
  return upstream.filter((id) => !done.has(id) && (until === undefined || id <= until))
}

/** Manifest batch ids under a store's `_manifests/` prefix. */
export async function runListBatchIds(store: {
  list(prefix: string): Promise<readonly string[]>
}): Promise<string[]> {
  return batchIdsFromKeys(await store.list(MANIFEST_PREFIX))
}

/**
 * Runs `fn` with a log that moves the bar; `countPending` says how many batches are ahead (undefined:
 * cannot tell yet, no bar). The bar stops however `fn` ends.
 */
export async function withBatchProgress<T>(
  log: Log,
  progress: Progress | undefined,
  done: readonly string[],
  countPending: () => Promise<number | undefined>,
  fn: (log: Log) => Promise<T>,
): Promise<T> {
  if (!progress) return fn(log)
  let pending: number | undefined
  try {
    pending = await countPending()
  } catch {
    // The stage itself says what is wrong (no ledger yet, a store that cannot be listed).
  }
  if (pending !== undefined && pending > 1) progress.start(pending)
  try {
    return await fn(advancingLog(log, progress, done))
  } finally {
    progress.stop()
  }
}
