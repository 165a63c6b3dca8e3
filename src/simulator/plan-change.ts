/**
 * The live application's next write, planned without I/O: a new sales or purchase order (with its
 * transaction and payment), a payment flipped to paid, or an edit to a lookup row. Targets come from the
 * ids the simulator knows; dates are day offsets from the database's own clock, applied in SQL.
 */
import { centsToText, pick, type Rng, randInt, randString } from './prng.ts'

export const UPDATABLE_TABLES = ['address', 'counterparty', 'department', 'design', 'staff'] as const
export type UpdatableTable = (typeof UPDATABLE_TABLES)[number]

/** What the simulator knows of the database: the ids it may refer to. */
export interface SimState {
  readonly ids: Readonly<Record<UpdatableTable | 'currency', readonly number[]>>
  /** The largest payment id: payments are paid a while after they are made, so newer ones are picked. */
  maxPaymentId: number
}

interface NewOrder {
  readonly staffId: number
  readonly counterpartyId: number
  readonly currencyId: number
  readonly locationId: number
  readonly deliveryDays: number
  readonly paymentDays: number
  readonly amount: string
  readonly accounts: readonly [number, number]
}

export type Change =
  | ({
      readonly kind: 'sale'
      readonly designId: number
      readonly unitsSold: number
      readonly unitPrice: string
    } & NewOrder)
  | ({
      readonly kind: 'purchase'
      readonly itemCode: string
      readonly quantity: number
      readonly unitPrice: string
    } & NewOrder)
  | { readonly kind: 'pay'; readonly fromPaymentId: number }
  | {
      readonly kind: 'update'
      readonly table: UpdatableTable
      readonly id: number
      /** Column → new value; the columns are a fixed set per table (see EDITS). */
      readonly set: Readonly<Edit>
    }

/** Only the most recent payments get paid: the pick starts at most this many ids back. */
export const PAY_WINDOW = 500

const FIRST = [
  'Alex',
  'Sam',
  'Jordan',
  'Priya',
  'Tomasz',
  'Aisha',
  'Chen',
  'Maria',
  'Oliver',
  'Fatima',
  'Noah',
  'Ines',
]
const LAST = [
  'Smith',
  'Okafor',
  'Nowak',
  'Patel',
  'Garcia',
  'Brown',
  'Kowalski',
  'Li',
  'Murphy',
  'Haddad',
  'Jones',
]
const STREETS = ['Mill Lane', 'Station Road', 'Church Street', 'Park Avenue', 'Victoria Road', 'Green Close']
const LOCATIONS = ['/usr/share', '/net', '/opt/lib', '/etc', '/home/user/dir', '/System', '/var/log', '/srv']

const person = (rng: Rng): string => `${pick(rng, FIRST)} ${pick(rng, LAST)}`
const digits = (rng: Rng, n: number): string => randString(rng, '0123456789', n)

/** The columns each lookup table's edits touch, and how a new value is drawn. */
type Edit = Record<string, string | number | null>
const one = (column: string, value: string | number | null): Edit => ({ [column]: value })
const EDITS: { readonly [T in UpdatableTable]: (rng: Rng, state: SimState) => Edit } = {
  address: (rng) =>
    rng() < 0.5
      ? one('phone', `${digits(rng, 4)} ${digits(rng, 6)}`)
      : one('address_line_2', rng() < 0.3 ? null : `${randInt(rng, 1, 99)} ${pick(rng, STREETS)}`),
  counterparty: (rng) => one(rng() < 0.5 ? 'commercial_contact' : 'delivery_contact', person(rng)),
  department: (rng) => one('manager', person(rng)),
  design: (rng) => one('file_location', pick(rng, LOCATIONS)),
  staff: (rng, state) => one('department_id', pick(rng, state.ids.department)),
}

/** The next change: about 45 % sales, 20 % purchases, 30 % payments paid, 5 % lookup edits. */
export function planChange(rng: Rng, state: SimState): Change {
  const roll = rng()
  if (roll < 0.3) {
    return { kind: 'pay', fromPaymentId: Math.max(1, state.maxPaymentId - Math.floor(rng() * PAY_WINDOW)) }
  }
  if (roll < 0.35) {
    const table = pick(rng, UPDATABLE_TABLES)
    return { kind: 'update', table, id: pick(rng, state.ids[table]), set: EDITS[table](rng, state) }
  }
  const isSale = roll < 0.8
  const order = {
    staffId: pick(rng, state.ids.staff),
    counterpartyId: pick(rng, state.ids.counterparty),
    currencyId: pick(rng, state.ids.currency),
    locationId: pick(rng, state.ids.address),
    deliveryDays: randInt(rng, 0, 7),
    paymentDays: randInt(rng, 0, 6),
    accounts: [randInt(rng, 10_000_000, 99_999_999), randInt(rng, 10_000_000, 99_999_999)] as const,
  }
  if (isSale) {
    const [unitsSold, cents] = [randInt(rng, 1000, 100_000), randInt(rng, 200, 400)]
    const designId = pick(rng, state.ids.design)
    return {
      kind: 'sale',
      ...order,
      designId,
      unitsSold,
      unitPrice: centsToText(cents),
      amount: centsToText(unitsSold * cents),
    }
  }
  const [quantity, cents] = [randInt(rng, 1, 999), randInt(rng, 100, 99_999)]
  const itemCode = randString(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 7)
  return {
    kind: 'purchase',
    ...order,
    itemCode,
    quantity,
    unitPrice: centsToText(cents),
    amount: centsToText(quantity * cents),
  }
}
