/**
 * From the provider's raw answers of one batch to rows of fact_fx_rate (pure). Each calendar day of the
 * batch's range gets, per base currency, the rates of the latest business day on or before it that the
 * batch holds: a weekend or holiday takes the previous business day's rates (Frankfurter itself answers a
 * Saturday with Friday's rates and date; a day answered 404 falls back the same way). Answers that fail
 * the provider's schema, lack a quote, or carry a rate that is not an exact decimal are held, with reasons.
 */
import { z } from 'zod'
import { addDays, daysBetween } from '../../core/civil-date.ts'
import { toExactDecimal } from '../exact-decimal.ts'
import type { TextRow } from '../run-transform-stream.ts'

/** One landed line: a request and the provider's raw answer. */
export const fxAnswerLine = z.object({
  requested_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  base: z.string().regex(/^[A-Z]{3}$/),
  quotes: z.array(z.string().regex(/^[A-Z]{3}$/)),
  url: z.string(),
  status: z.number().int(),
  body: z.string(),
  /** Fetched only to know the rate in force before the range starts. */
  carry_in: z.boolean(),
})
export type FxAnswerLine = z.infer<typeof fxAnswerLine>

/** The provider's answer for a day (Frankfurter / ECB shape). */
export const frankfurterBody = z.object({
  amount: z.literal(1),
  base: z.string().regex(/^[A-Z]{3}$/),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  rates: z.record(z.string(), z.unknown()),
})

export const fxMeta = z.object({
  provider: z.string(),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  currencies: z.array(z.object({ id: z.number().int(), code: z.string().regex(/^[A-Z]{3}$/) })).min(1),
})
export type FxMeta = z.infer<typeof fxMeta>

export interface HeldFx {
  readonly reason: string
  readonly record: unknown
  /** The day and base whose answer this was, when known: that day gets no rows rather than an older rate. */
  readonly answerOf?: { readonly day: string; readonly base: string }
}

interface Observation {
  readonly base: string
  /** The business day the rates are of. */
  readonly effective: string
  readonly rates: ReadonlyMap<string, string>
}

/** Checks each landed line; returns the usable observations and what was held. */
export function planFxObservations(lines: readonly string[]): {
  observations: Observation[]
  held: HeldFx[]
} {
  const observations: Observation[] = []
  const held: HeldFx[] = []
  for (const text of lines) {
    if (text.trim() === '') continue
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      held.push({ reason: 'landed line is not JSON', record: text.slice(0, 500) })
      continue
    }
    const line = fxAnswerLine.safeParse(json)
    if (!line.success) {
      held.push({
        reason: `landed line does not fit the answer record: ${line.error.issues[0]?.message}`,
        record: json,
      })
      continue
    }
    const a = line.data
    const answerOf = { day: a.requested_date, base: a.base }
    if (a.status === 404) continue // no rates published for that day: the previous business day applies
    if (a.status !== 200) {
      held.push({ reason: `provider answered HTTP ${a.status}`, record: a, answerOf })
      continue
    }
    let body: unknown
    try {
      body = JSON.parse(a.body)
    } catch {
      held.push({ reason: 'provider answer is not JSON', record: a, answerOf })
      continue
    }
    const parsed = frankfurterBody.safeParse(body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      held.push({
        reason: `provider answer fails its schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
        record: a,
        answerOf,
      })
      continue
    }
    const b = parsed.data
    if (b.base !== a.base) {
      held.push({
        reason: `provider answered base ${b.base} to a request for ${a.base}`,
        record: a,
        answerOf,
      })
      continue
    }
    if (b.date > a.requested_date) {
      held.push({
        reason: `provider answered rates of ${b.date} for ${a.requested_date}`,
        record: a,
        answerOf,
      })
      continue
    }
    const rates = new Map<string, string>()
    let bad: string | undefined
    for (const [code, value] of Object.entries(b.rates)) {
      const exact = toExactDecimal(value)
      if (!exact.ok) bad ??= `rate ${a.base}->${code}: ${exact.reason}`
      else if (Number(exact.text) <= 0) bad ??= `rate ${a.base}->${code} is not positive`
      else rates.set(code, exact.text)
    }
    if (bad) {
      held.push({ reason: bad, record: a, answerOf })
      continue
    }
    observations.push({ base: a.base, effective: b.date, rates })
  }
  return { observations, held }
}

/** The rows of fact_fx_rate `(date_id, base_currency_id, quote_currency_id, rate)` for the batch's range. */
export function planFxRates(
  meta: FxMeta,
  observations: readonly Observation[],
  heldAnswers: readonly HeldFx[] = [],
): { rows: TextRow[]; held: HeldFx[] } {
  const rows: TextRow[] = []
  const held: HeldFx[] = []
  const withheld = new Set(
    heldAnswers.flatMap((h) => (h.answerOf ? [`${h.answerOf.day}|${h.answerOf.base}`] : [])),
  )
  const byBase = new Map<string, Observation[]>()
  for (const o of observations) byBase.set(o.base, [...(byBase.get(o.base) ?? []), o])
  for (const list of byBase.values()) list.sort((a, b) => b.effective.localeCompare(a.effective))
  for (const day of daysBetween(meta.from, meta.to)) {
    for (const base of meta.currencies) {
      // A held answer is not silently replaced by an older rate: that day and base wait for a good answer.
      if (withheld.has(`${day}|${base.code}`)) continue
      const inForce = byBase.get(base.code)?.find((o) => o.effective <= day)
      if (!inForce) {
        held.push({
          reason: `no ${base.code} rates on or before ${day} in this batch`,
          record: { day, base: base.code },
        })
        continue
      }
      for (const quote of meta.currencies) {
        if (quote.code === base.code) continue
        const rate = inForce.rates.get(quote.code)
        if (rate === undefined) {
          held.push({
            reason: `provider gave no ${base.code}->${quote.code} rate`,
            record: { day, base: base.code, quote: quote.code, effective: inForce.effective },
          })
          continue
        }
        rows.push([day, String(base.id), String(quote.id), rate])
      }
    }
  }
  return { rows, held }
}

/** The days to ask for before `from` when `from` itself has no rates: a week covers any exchange holiday. */
export function planCarryInDays(from: string): string[] {
  return [1, 2, 3, 4, 5, 6, 7].map((n) => addDays(from, -n))
}
