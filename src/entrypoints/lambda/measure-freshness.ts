/**
 * Freshness of the warehouse: the age of the oldest committed ingestion batch it does not hold yet
 * (0 when it holds them all). With batch ids a gapless sequence, that batch is the one after the
 * newest in the load ledger. A source with no changes commits no batch, so an idle source reads 0;
 * a stalled extract is caught by the ExtractSucceeded alarm instead.
 */
import { manifestKey, parseBatchId, toBatchId } from '../../core/batch-id.ts'
import { INGESTION_MANIFEST } from '../../core/manifests/ingestion.ts'
import type { Database } from '../../io/database.ts'
import { getText, type ObjectStore } from '../../io/object-store.ts'
import { runReadLedgerBatchIds } from '../../load/load-ledger.ts'

/** Seconds from a naive UTC timestamp ('YYYY-MM-DD HH:MM:SS[.fff]') to `nowMs`; never negative. */
export function toFreshnessLagSeconds(nowMs: number, createdAt: string | undefined): number {
  if (createdAt === undefined) return 0
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(createdAt)
  if (!match) throw new Error(`invalid timestamp '${createdAt}'`)
  const [, y, mo, d, h, mi, s, frac] = match
  const thenMs =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) +
    Math.round(Number(frac ?? 0) * 1000)
  return Math.max(0, Math.round((nowMs - thenMs) / 1000))
}

/** The id of the batch after the newest loaded one (the first batch when none is loaded). */
export function toNextBatchId(loaded: readonly string[]): string {
  const last = loaded.at(-1)
  return toBatchId(last === undefined ? 1 : (parseBatchId(last) ?? 0) + 1)
}

/** Measures the freshness lag now, in seconds. */
export async function runMeasureFreshness(
  deps: { readonly warehouse: Database; readonly ingestion: ObjectStore },
  nowMs: number,
): Promise<{ readonly lagSeconds: number; readonly oldestUnloaded: string | null }> {
  const next = toNextBatchId(await runReadLedgerBatchIds(deps.warehouse))
  const text = await getText(deps.ingestion, manifestKey(next))
  if (text === undefined) return { lagSeconds: 0, oldestUnloaded: null }
  return {
    lagSeconds: toFreshnessLagSeconds(nowMs, INGESTION_MANIFEST.parse(text, 'ingestion manifest').createdAt),
    oldestUnloaded: next,
  }
}
