/**
 * The transform's state between batches, in the processed store under `_state/<batch-id>/`: a parquet
 * snapshot of each lookup table's current rows, and meta.json (the dim_date range covered so far, the
 * quarantine entries already replayed). Versioned by batch id and written before the batch's manifest,
 * so the state a batch starts from is always that of the committed batch before it, and a re-run after a
 * crash recomputes the same thing.
 */
import { z } from 'zod'
import type { SourceTable } from '../core/source-catalogue.ts'
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

/** A run of days, 'YYYY-MM-DD' to 'YYYY-MM-DD', both included. */
export interface DateSpan {
  readonly lo: string
  readonly hi: string
}

/**
 * The dim_date range after this batch (its fact dates widened by what came before) and the spans of days
 * this batch must emit: only the days the range gained. Earlier days were emitted by earlier batches,
 * which the load applies first, so the warehouse's dim_date stays contiguous without re-emitting the
 * whole range (1,500 rows) with every small batch.
 */
export function planDateRange(
  previous: Pick<StateMeta, 'dateLo' | 'dateHi'>,
  batch: { readonly lo: string | null; readonly hi: string | null },
): { readonly lo: string | null; readonly hi: string | null; readonly spans: readonly DateSpan[] } {
  const { dateLo, dateHi } = previous
  if (batch.lo === null || batch.hi === null) return { lo: dateLo, hi: dateHi, spans: [] }
  if (dateLo === null || dateHi === null) {
    return { lo: batch.lo, hi: batch.hi, spans: [{ lo: batch.lo, hi: batch.hi }] }
  }
  const spans: DateSpan[] = []
  let lo = dateLo
  let hi = dateHi
  if (batch.lo < dateLo) {
    spans.push({ lo: batch.lo, hi: addDays(dateLo, -1) })
    lo = batch.lo
  }
  if (batch.hi > dateHi) {
    spans.push({ lo: addDays(dateHi, 1), hi: batch.hi })
    hi = batch.hi
  }
  return { lo, hi, spans }
}

/** A calendar date moved by whole days (UTC arithmetic: no time zone, no daylight saving). */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
}
