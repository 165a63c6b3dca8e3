/**
 * What the transform needs from each source table: the columns the warehouse uses, how each is typed on
 * the way in, whether the warehouse requires a value, and which other table each key must exist in.
 * Everything else a source table carries (contacts, account numbers, created_at of lookups) is not needed,
 * so its drift never blocks a batch.
 */
import type { SourceTable } from '../core/source-catalogue.ts'

/** How a needed column is parsed from the CSV text. */
export type StageType = 'int' | 'text' | 'timestamp' | 'money' | 'bool' | 'date' | 'enum' | 'currency_code'

export interface NeededColumn {
  readonly name: string
  readonly stage: StageType
  /** The warehouse needs a value (NOT NULL there): a null is a row-level problem. */
  readonly required: boolean
  /** The key must exist in this source table (in this batch or the transform state). */
  readonly references?: SourceTable
}

export interface SourceNeeds {
  readonly table: SourceTable
  readonly primaryKey: string
  readonly columns: readonly NeededColumn[]
  /** Lookup tables keep a current-state snapshot; facts are appended as they come. */
  readonly kind: 'lookup' | 'fact'
}

const req = (name: string, stage: StageType, references?: SourceTable): NeededColumn => ({
  name,
  stage,
  required: true,
  ...(references ? { references } : {}),
})
const opt = (name: string, stage: StageType): NeededColumn => ({ name, stage, required: false })
const updated = req('last_updated', 'timestamp')

/** In dependency order: a table's references are always processed before it. */
export const SOURCE_NEEDS: readonly SourceNeeds[] = [
  {
    table: 'address',
    primaryKey: 'address_id',
    kind: 'lookup',
    columns: [
      req('address_id', 'int'),
      req('address_line_1', 'text'),
      opt('address_line_2', 'text'),
      opt('district', 'text'),
      req('city', 'text'),
      req('postal_code', 'text'),
      req('country', 'text'),
      req('phone', 'text'),
      updated,
    ],
  },
  {
    table: 'department',
    primaryKey: 'department_id',
    kind: 'lookup',
    // location is nullable in the source but dim_staff.location is NOT NULL.
    columns: [req('department_id', 'int'), req('department_name', 'text'), req('location', 'text'), updated],
  },
  {
    table: 'currency',
    primaryKey: 'currency_id',
    kind: 'lookup',
    columns: [req('currency_id', 'int'), req('currency_code', 'currency_code'), updated],
  },
  {
    table: 'design',
    primaryKey: 'design_id',
    kind: 'lookup',
    columns: [
      req('design_id', 'int'),
      req('design_name', 'text'),
      req('file_location', 'text'),
      req('file_name', 'text'),
      updated,
    ],
  },
  {
    table: 'payment_type',
    primaryKey: 'payment_type_id',
    kind: 'lookup',
    columns: [req('payment_type_id', 'int'), req('payment_type_name', 'enum'), updated],
  },
  {
    table: 'counterparty',
    primaryKey: 'counterparty_id',
    kind: 'lookup',
    columns: [
      req('counterparty_id', 'int'),
      req('counterparty_legal_name', 'text'),
      req('legal_address_id', 'int', 'address'),
      updated,
    ],
  },
  {
    table: 'staff',
    primaryKey: 'staff_id',
    kind: 'lookup',
    columns: [
      req('staff_id', 'int'),
      req('first_name', 'text'),
      req('last_name', 'text'),
      req('department_id', 'int', 'department'),
      req('email_address', 'text'),
      updated,
    ],
  },
  {
    table: 'transaction',
    primaryKey: 'transaction_id',
    kind: 'lookup',
    columns: [
      req('transaction_id', 'int'),
      req('transaction_type', 'enum'),
      opt('sales_order_id', 'int'),
      opt('purchase_order_id', 'int'),
      updated,
    ],
  },
  {
    table: 'sales_order',
    primaryKey: 'sales_order_id',
    kind: 'fact',
    columns: [
      req('sales_order_id', 'int'),
      req('created_at', 'timestamp'),
      updated,
      req('design_id', 'int', 'design'),
      req('staff_id', 'int', 'staff'),
      req('counterparty_id', 'int', 'counterparty'),
      req('units_sold', 'int'),
      req('unit_price', 'money'),
      req('currency_id', 'int', 'currency'),
      req('agreed_delivery_date', 'date'),
      req('agreed_payment_date', 'date'),
      req('agreed_delivery_location_id', 'int', 'address'),
    ],
  },
  {
    table: 'purchase_order',
    primaryKey: 'purchase_order_id',
    kind: 'fact',
    columns: [
      req('purchase_order_id', 'int'),
      req('created_at', 'timestamp'),
      updated,
      req('staff_id', 'int', 'staff'),
      req('counterparty_id', 'int', 'counterparty'),
      req('item_code', 'text'),
      req('item_quantity', 'int'),
      req('item_unit_price', 'money'),
      req('currency_id', 'int', 'currency'),
      req('agreed_delivery_date', 'date'),
      req('agreed_payment_date', 'date'),
      req('agreed_delivery_location_id', 'int', 'address'),
    ],
  },
  {
    table: 'payment',
    primaryKey: 'payment_id',
    kind: 'fact',
    columns: [
      req('payment_id', 'int'),
      req('created_at', 'timestamp'),
      updated,
      req('transaction_id', 'int', 'transaction'),
      req('counterparty_id', 'int', 'counterparty'),
      req('payment_amount', 'money'),
      req('currency_id', 'int', 'currency'),
      req('payment_type_id', 'int', 'payment_type'),
      req('paid', 'bool'),
      req('payment_date', 'date'),
    ],
  },
]

/** The needs of one source table. */
export function sourceNeeds(table: SourceTable): SourceNeeds {
  const needs = SOURCE_NEEDS.find((n) => n.table === table)
  if (!needs) throw new Error(`no transform needs declared for ${table}`)
  return needs
}

/** The lookup tables whose current state the transform keeps between batches. */
export const STATE_TABLES: readonly SourceTable[] = SOURCE_NEEDS.filter((n) => n.kind === 'lookup').map(
  (n) => n.table,
)

/** The DuckDB type a staged column gets. */
export function duckTypeOf(stage: StageType): string {
  switch (stage) {
    case 'int':
      return 'INTEGER'
    case 'timestamp':
      return 'TIMESTAMP'
    case 'money':
      return 'DECIMAL(10,2)'
    case 'bool':
      return 'BOOLEAN'
    case 'date':
      return 'DATE'
    default:
      return 'VARCHAR'
  }
}
