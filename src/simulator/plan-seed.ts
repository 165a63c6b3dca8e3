/**
 * The plan of a synthetic totesys at N times the real snapshot's size: how many rows of each table, and
 * the business calendar they are spread over (weekdays, office hours 08:00–19:00 UTC, from the day after
 * the snapshot's launch to its last day). Pure: the generators read everything they need from the plan.
 */
import { ConfigError } from '../core/errors.ts'
import { formatTimestamp, isWeekend, toDayNumber } from './civil-time.ts'

/** Row counts of the real snapshot (data/totesys-snapshot-2024-02-23) for the tables that scale. */
export const SNAPSHOT_SIZE = { design: 324, sales_order: 6941, purchase_order: 2958 } as const

/**
 * Lookup tables keep the snapshot's rows at every scale (they are loaded from the snapshot itself): a
 * bigger business sells more, it does not grow a currency per order.
 */
export const LOOKUP_SIZE = {
  address: 30,
  counterparty: 20,
  currency: 3,
  department: 8,
  staff: 20,
  payment_type: 4,
}

/** When the snapshot's lookup rows and first designs were created. */
export const LAUNCH = '2022-11-03 14:20:49.962'
/** How many designs existed at launch (the rest appear over time). */
export const LAUNCH_DESIGNS = 10
export const OFFICE_OPENS_MS = 8 * 3_600_000
export const OFFICE_MS = 11 * 3_600_000
export const MAX_SCALE = 1000

export interface SeedOptions {
  /** Multiple of the snapshot's size, > 0 (0.1, 1, 100 …). */
  readonly scale: number
  /** Any integer; the same seed and scale give byte-identical data. */
  readonly seed: number
  /** First and last business day of the orders, 'YYYY-MM-DD'; default the snapshot's. */
  readonly firstDay?: string
  readonly lastDay?: string
}

export interface SeedPlan {
  readonly scale: number
  readonly seed: number
  readonly designs: number
  readonly salesOrders: number
  readonly purchaseOrders: number
  /** Sales plus purchase orders: one transaction and one payment each. */
  readonly orders: number
  /** Index of the first business day (see dayOfBusinessIndex) and how many there are. */
  readonly firstBusinessIndex: number
  readonly businessDays: number
  /** Office milliseconds over the whole range. */
  readonly businessMs: number
  /** Day number of the last day: payments due later stay unpaid. */
  readonly lastDay: number
}

/** Validates the options and sizes every table. */
export function planSeed(options: SeedOptions): SeedPlan {
  const { scale, seed } = options
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_SCALE) {
    throw new ConfigError(`--scale must be a number above 0 and at most ${MAX_SCALE}; got ${scale}`)
  }
  if (!Number.isSafeInteger(seed)) throw new ConfigError(`--seed must be an integer; got ${seed}`)
  const first = nextWeekday(toDayNumber(options.firstDay ?? '2022-11-04'))
  const last = toDayNumber(options.lastDay ?? '2024-02-23')
  const firstBusinessIndex = businessIndexOf(first)
  const businessDays = businessIndexOf(previousWeekday(last)) - firstBusinessIndex + 1
  if (businessDays < 1) throw new ConfigError(`the seed's date range holds no weekday`)
  const salesOrders = Math.round(SNAPSHOT_SIZE.sales_order * scale)
  const purchaseOrders = Math.round(SNAPSHOT_SIZE.purchase_order * scale)
  return {
    scale,
    seed,
    designs: Math.max(1, Math.round(SNAPSHOT_SIZE.design * scale)),
    salesOrders,
    purchaseOrders,
    orders: salesOrders + purchaseOrders,
    firstBusinessIndex,
    businessDays,
    businessMs: businessDays * OFFICE_MS,
    lastDay: last,
  }
}

/** Business days counted from Monday 1970-01-05 (day number 4): five per week. */
export function businessIndexOf(weekdayNumber: number): number {
  const sinceMonday = weekdayNumber - 4
  return Math.floor(sinceMonday / 7) * 5 + (((sinceMonday % 7) + 7) % 7)
}

export function dayOfBusinessIndex(index: number): number {
  return 4 + Math.floor(index / 5) * 7 + (index % 5)
}

/** A moment `offsetMs` office milliseconds into the plan's range, as day number and ms of that day. */
export function toBusinessMoment(plan: SeedPlan, offsetMs: number): { day: number; msOfDay: number } {
  const dayIndex = Math.min(plan.businessDays - 1, Math.floor(offsetMs / OFFICE_MS))
  const day = dayOfBusinessIndex(plan.firstBusinessIndex + dayIndex)
  return { day, msOfDay: OFFICE_OPENS_MS + Math.min(OFFICE_MS - 1, offsetMs - dayIndex * OFFICE_MS) }
}

/** The moment as a naive timestamp text. */
export function businessTimestamp(plan: SeedPlan, offsetMs: number): string {
  const { day, msOfDay } = toBusinessMoment(plan, offsetMs)
  return formatTimestamp(day, msOfDay)
}

function nextWeekday(day: number): number {
  let d = day
  while (isWeekend(d)) d++
  return d
}

function previousWeekday(day: number): number {
  let d = day
  while (isWeekend(d)) d--
  return d
}
