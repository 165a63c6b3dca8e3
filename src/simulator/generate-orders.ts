/**
 * Synthetic orders as the live application writes them: each sales or purchase order with its
 * transaction and its payment, created on weekdays in office hours in id order; about 60 % of payments
 * are later flipped to paid by a morning job on their payment date. Orders come in chunks that each have
 * their own random stream, so any table's rows can be regenerated chunk by chunk, identically.
 */
import { formatDay, formatTimestamp, isWeekend } from './civil-time.ts'
import { designsAvailableAt, type Row } from './generate-designs.ts'
import { LOOKUP_SIZE, type SeedPlan, toBusinessMoment } from './plan-seed.ts'
import { centsToText, mixSeed, mulberry32, type Rng, randInt, randString } from './prng.ts'

/**
 * Orders per chunk: even, so payment id swaps (which pair neighbours) never cross a chunk; small, so a
 * chunk's row arrays die young (10k-order chunks spent most of their time in the garbage collector).
 */
export const ORDER_CHUNK = 2000

export const SALES_ORDER_COLUMNS = ['sales_order_id', 'created_at', 'last_updated', 'design_id', 'staff_id']
  .concat(['counterparty_id', 'units_sold', 'unit_price', 'currency_id', 'agreed_delivery_date'])
  .concat(['agreed_payment_date', 'agreed_delivery_location_id'])
export const PURCHASE_ORDER_COLUMNS = ['purchase_order_id', 'created_at', 'last_updated', 'staff_id']
  .concat(['counterparty_id', 'item_code', 'item_quantity', 'item_unit_price', 'currency_id'])
  .concat(['agreed_delivery_date', 'agreed_payment_date', 'agreed_delivery_location_id'])
export const TRANSACTION_COLUMNS = [
  'transaction_id',
  'transaction_type',
  'sales_order_id',
  'purchase_order_id',
].concat(['created_at', 'last_updated'])
export const PAYMENT_COLUMNS = [
  'payment_id',
  'created_at',
  'last_updated',
  'transaction_id',
  'counterparty_id',
]
  .concat(['payment_amount', 'currency_id', 'payment_type_id', 'paid', 'payment_date', 'company_ac_number'])
  .concat(['counterparty_ac_number'])

export interface OrderChunk {
  readonly sales: Row[]
  readonly purchases: Row[]
  readonly transactions: Row[]
  readonly payments: Row[]
}

const ORDER_STREAM = 0x6f726472
/** Share of payments due on a later weekday that the morning job pays: nearly all (~60 % of all payments). */
const PAY_RATE = 0.995
/** Share of neighbouring payments whose ids are swapped, as in the snapshot (payment_id ≠ transaction_id). */
const SWAP_RATE = 0.0026
const PAY_JOB_MS = (7 * 3600 + 55 * 60 + 11) * 1000
const DAY_MS = 86_400_000

/** How many chunks the plan's orders make. */
export function orderChunkCount(plan: SeedPlan): number {
  return Math.ceil(plan.orders / ORDER_CHUNK)
}

/** Sales orders among the first `k` orders: spread evenly over the chunks, shuffled within each. */
function salesBefore(plan: SeedPlan, k: number): number {
  return plan.orders === 0 ? 0 : Math.floor((k * plan.salesOrders) / plan.orders)
}

/** Every row of one chunk of orders, each table's rows in id order. */
export function generateOrderChunk(plan: SeedPlan, chunk: number): OrderChunk {
  const first = chunk * ORDER_CHUNK
  const end = Math.min(plan.orders, first + ORDER_CHUNK)
  const rng = mulberry32(mixSeed(plan.seed, ORDER_STREAM, chunk))
  let salesLeft = salesBefore(plan, end) - salesBefore(plan, first)
  let saleId = salesBefore(plan, first)
  let purchaseId = first - saleId
  const out: OrderChunk = { sales: [], purchases: [], transactions: [], payments: [] }
  for (let k = first; k < end; k++) {
    const isSale = rng() * (end - k) < salesLeft
    const offset = Math.floor(((k + rng()) / plan.orders) * plan.businessMs)
    const { day, msOfDay } = toBusinessMoment(plan, offset)
    const created = formatTimestamp(day, msOfDay)
    const staff = String(randInt(rng, 1, LOOKUP_SIZE.staff))
    const counterparty = String(randInt(rng, 1, LOOKUP_SIZE.counterparty))
    const currency = String(randInt(rng, 1, LOOKUP_SIZE.currency))
    // Delivery within a week of the order (a rare one much later), payment within six days.
    const deliveryDays = rng() < 0.005 ? randInt(rng, 8, 430) : Math.floor(msOfDay / DAY_MS + rng() * 7)
    const paymentDay = day + Math.floor(msOfDay / DAY_MS + rng() * 6)
    const agreed = [
      formatDay(day + deliveryDays),
      formatDay(paymentDay),
      String(randInt(rng, 1, LOOKUP_SIZE.address)),
    ]
    const transactionId = String(k + 1)
    let amount: string
    if (isSale) {
      salesLeft--
      const sale = String(++saleId)
      const design = String(randInt(rng, 1, designsAvailableAt(plan, offset)))
      const [units, cents] = [randInt(rng, 1000, 100_000), randInt(rng, 200, 400)]
      amount = centsToText(units * cents)
      const values = [design, staff, counterparty, String(units), centsToText(cents), currency]
      out.sales.push([sale, created, created, ...values, ...agreed])
      out.transactions.push([transactionId, 'SALE', sale, null, created, created])
    } else {
      const purchase = String(++purchaseId)
      const code = randString(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 7)
      const [quantity, cents] = [randInt(rng, 1, 999), randInt(rng, 100, 99_999)]
      amount = centsToText(quantity * cents)
      const values = [staff, counterparty, code, String(quantity), centsToText(cents), currency]
      out.purchases.push([purchase, created, created, ...values, ...agreed])
      out.transactions.push([transactionId, 'PURCHASE', null, purchase, created, created])
    }
    const paid = paymentDay > day && !isWeekend(paymentDay) && paymentDay <= plan.lastDay && rng() < PAY_RATE
    const paymentCreated = formatTimestamp(day, msOfDay + randInt(rng, 0, 1))
    const updated = paid ? formatTimestamp(paymentDay, PAY_JOB_MS + randInt(rng, 0, 999)) : paymentCreated
    const accounts = [
      String(randInt(rng, 10_000_000, 99_999_999)),
      String(randInt(rng, 10_000_000, 99_999_999)),
    ]
    const type = isSale ? '1' : '3'
    const payment = [
      transactionId,
      paymentCreated,
      updated,
      transactionId,
      counterparty,
      amount,
      currency,
      type,
    ]
    out.payments.push([...payment, paid ? 't' : 'f', formatDay(paymentDay), ...accounts])
  }
  swapPaymentIds(rng, out.payments, first)
  return out
}

/** Swaps the ids of a few neighbouring payments, keeping the rows in payment_id order. */
function swapPaymentIds(rng: Rng, payments: Row[], first: number): void {
  for (let i = 0; i + 1 < payments.length; i += 2) {
    if (rng() >= SWAP_RATE) continue
    const [a, b] = [payments[i]!, payments[i + 1]!]
    payments[i] = [String(first + i + 1), ...b.slice(1)]
    payments[i + 1] = [String(first + i + 2), ...a.slice(1)]
  }
}
