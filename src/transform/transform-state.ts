/**
 * The transform's state between batches, in the processed store under `_state/<batch-id>/`: a parquet
 * snapshot of each lookup table's current rows, and meta.json (the dim_date range covered so far, the
 * quarantine entries already replayed). Versioned by batch id and written before the batch's manifest,
 * so the state a batch starts from is always that of the committed batch before it, and a re-run after a
 * crash recomputes the same thing.
 */
import { z } from 'zod'
import type { SourceTable } from '../core/catalogue.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'

export interface StateMeta {
  /** The dim_date range emitted so far ('YYYY-MM-DD'), or null before any fact. */
  readonly dateLo: string | null
  readonly dateHi: string | null
  /** Quarantine entry ids whose replay batch has been transformed. */
  readonly replayed: readonly string[]
}

export const EMPTY_STATE: StateMeta = { dateLo: null, dateHi: null, replayed: [] }

const metaJson = z.object({
  date_lo: z.string().nullable(),
  date_hi: z.string().nullable(),
  replayed: z.array(z.string()),
})

/** The key of a lookup table's snapshot after a batch. */
export function stateTableKey(batchId: string, table: SourceTable): string {
  return `_state/${batchId}/${table}.parquet`
}

function metaKey(batchId: string): string {
  return `_state/${batchId}/meta.json`
}

/** The meta state after a batch; undefined when that batch left none. */
export async function runReadStateMeta(store: ObjectStore, batchId: string): Promise<StateMeta | undefined> {
  const text = await getText(store, metaKey(batchId))
  if (text === undefined) return undefined
  const j = metaJson.parse(JSON.parse(text))
  return { dateLo: j.date_lo, dateHi: j.date_hi, replayed: j.replayed }
}

/** Writes the meta state of a batch. */
export async function runWriteStateMeta(store: ObjectStore, batchId: string, meta: StateMeta): Promise<void> {
  const json = { date_lo: meta.dateLo, date_hi: meta.dateHi, replayed: meta.replayed }
  await store.put(metaKey(batchId), `${JSON.stringify(json)}\n`)
}

/** The date range that keeps dim_date contiguous: this batch's fact dates widened by what came before. */
export function planDateRange(
  previous: Pick<StateMeta, 'dateLo' | 'dateHi'>,
  batch: { readonly lo: string | null; readonly hi: string | null },
): { readonly lo: string | null; readonly hi: string | null; readonly emit: boolean } {
  if (batch.lo === null || batch.hi === null) return { lo: previous.dateLo, hi: previous.dateHi, emit: false }
  const lo = previous.dateLo !== null && previous.dateLo < batch.lo ? previous.dateLo : batch.lo
  const hi = previous.dateHi !== null && previous.dateHi > batch.hi ? previous.dateHi : batch.hi
  return { lo, hi, emit: true }
}
