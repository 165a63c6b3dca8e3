/** Which processed batches a load applies, and in what order (pure). */
import { parseBatchId, toBatchId } from '../core/batch-id.ts'

export interface LoadPlan {
  /** Batches to load now, ascending and consecutive after the last loaded one. */
  readonly pending: readonly string[]
  /** The first missing batch id when the sequence has a gap (its transform has not committed yet). */
  readonly waitingFor?: string
  /** Unloaded batches older than the newest loaded one: loading them would roll dimensions back. */
  readonly outOfOrder: readonly string[]
}

/**
 * Plans a load from the processed manifests listed (ascending) and the ledger. Dimensions take the values
 * of the last batch applied, so batches load strictly in sequence: never past a gap, never behind the ledger.
 */
export function planLoad(
  listed: readonly string[],
  loaded: readonly string[],
  untilBatchId?: string,
): LoadPlan {
  const done = new Set(loaded)
  const last = [...loaded].sort().at(-1)
  const candidates = listed.filter(
    (id) => !done.has(id) && (untilBatchId === undefined || id <= untilBatchId),
  )
  const outOfOrder = last === undefined ? [] : candidates.filter((id) => id < last)
  const ahead = last === undefined ? candidates : candidates.filter((id) => id > last)
  const pending: string[] = []
  let expected = last === undefined ? undefined : (parseBatchId(last) ?? 0) + 1
  for (const id of ahead) {
    const sequence = parseBatchId(id) ?? 0
    if (expected !== undefined && sequence !== expected)
      return { pending, waitingFor: toBatchId(expected), outOfOrder }
    pending.push(id)
    expected = sequence + 1
  }
  return { pending, outOfOrder }
}
