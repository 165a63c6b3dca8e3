/**
 * The fixed catalogue of the 11 totesys source tables: the only place identifiers come from.
 * Mirrors sql/totesys.sql (the data contract); a test checks the two agree.
 */

export const SOURCE_TABLES = [
  'address',
  'counterparty',
  'currency',
  'department',
  'design',
  'payment',
  'payment_type',
  'purchase_order',
  'sales_order',
  'staff',
  'transaction',
] as const
export type SourceTable = (typeof SOURCE_TABLES)[number]

export const SOURCE_TYPES = ['int4', 'text', 'varchar', 'timestamp', 'numeric', 'bool', 'enum'] as const
export type SourceType = (typeof SOURCE_TYPES)[number]

export interface SourceColumn {
  readonly name: string
  readonly type: SourceType
  readonly nullable: boolean
  /** For enum columns: the labels of the PostgreSQL enum, in declaration order. */
  readonly values?: readonly string[]
}

export interface SourceTableDef {
  readonly name: SourceTable
  readonly primaryKey: string
  readonly columns: readonly SourceColumn[]
}

const id = (name: string): SourceColumn => ({ name, type: 'int4', nullable: false })
const text = (name: string, nullable = false): SourceColumn => ({ name, type: 'text', nullable })
const ts = (name: string): SourceColumn => ({ name, type: 'timestamp', nullable: false })
const money = (name: string): SourceColumn => ({ name, type: 'numeric', nullable: false })

export const PAYMENT_TYPE_NAMES = [
  'SALES_RECEIPT',
  'SALES_REFUND',
  'PURCHASE_PAYMENT',
  'PURCHASE_REFUND',
] as const
export const TRANSACTION_TYPES = ['SALE', 'PURCHASE'] as const

const defs: { readonly [T in SourceTable]: Omit<SourceTableDef, 'name'> } = {
  address: {
    primaryKey: 'address_id',
    columns: [
      id('address_id'),
      text('address_line_1'),
      text('address_line_2', true),
      text('district', true),
      text('city'),
      text('postal_code'),
      text('country'),
      text('phone'),
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  counterparty: {
    primaryKey: 'counterparty_id',
    columns: [
      id('counterparty_id'),
      text('counterparty_legal_name'),
      id('legal_address_id'),
      text('commercial_contact', true),
      text('delivery_contact', true),
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  currency: {
    primaryKey: 'currency_id',
    columns: [
      id('currency_id'),
      { name: 'currency_code', type: 'varchar', nullable: false },
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  department: {
    primaryKey: 'department_id',
    columns: [
      id('department_id'),
      text('department_name'),
      text('location', true),
      text('manager', true),
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  design: {
    primaryKey: 'design_id',
    columns: [
      id('design_id'),
      ts('created_at'),
      text('design_name'),
      text('file_location'),
      text('file_name'),
      ts('last_updated'),
    ],
  },
  payment: {
    primaryKey: 'payment_id',
    columns: [
      id('payment_id'),
      ts('created_at'),
      ts('last_updated'),
      id('transaction_id'),
      id('counterparty_id'),
      money('payment_amount'),
      id('currency_id'),
      id('payment_type_id'),
      { name: 'paid', type: 'bool', nullable: false },
      text('payment_date'),
      id('company_ac_number'),
      id('counterparty_ac_number'),
    ],
  },
  payment_type: {
    primaryKey: 'payment_type_id',
    columns: [
      id('payment_type_id'),
      { name: 'payment_type_name', type: 'enum', nullable: false, values: PAYMENT_TYPE_NAMES },
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  purchase_order: {
    primaryKey: 'purchase_order_id',
    columns: [
      id('purchase_order_id'),
      ts('created_at'),
      ts('last_updated'),
      id('staff_id'),
      id('counterparty_id'),
      text('item_code'),
      { name: 'item_quantity', type: 'int4', nullable: false },
      money('item_unit_price'),
      id('currency_id'),
      text('agreed_delivery_date'),
      text('agreed_payment_date'),
      id('agreed_delivery_location_id'),
    ],
  },
  sales_order: {
    primaryKey: 'sales_order_id',
    columns: [
      id('sales_order_id'),
      ts('created_at'),
      ts('last_updated'),
      id('design_id'),
      id('staff_id'),
      id('counterparty_id'),
      { name: 'units_sold', type: 'int4', nullable: false },
      money('unit_price'),
      id('currency_id'),
      text('agreed_delivery_date'),
      text('agreed_payment_date'),
      id('agreed_delivery_location_id'),
    ],
  },
  staff: {
    primaryKey: 'staff_id',
    columns: [
      id('staff_id'),
      text('first_name'),
      text('last_name'),
      id('department_id'),
      text('email_address'),
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  transaction: {
    primaryKey: 'transaction_id',
    columns: [
      id('transaction_id'),
      { name: 'transaction_type', type: 'enum', nullable: false, values: TRANSACTION_TYPES },
      { name: 'sales_order_id', type: 'int4', nullable: true },
      { name: 'purchase_order_id', type: 'int4', nullable: true },
      ts('created_at'),
      ts('last_updated'),
    ],
  },
}

/** The catalogue entry of a source table. */
export function sourceTable(name: SourceTable): SourceTableDef {
  return { name, ...defs[name] }
}

/** Every source table definition, in catalogue order. */
export const SOURCE_CATALOGUE: readonly SourceTableDef[] = SOURCE_TABLES.map(sourceTable)

/** Narrows untrusted input (a CLI argument, a manifest key) to a catalogue table name. */
export function isSourceTable(name: string): name is SourceTable {
  return (SOURCE_TABLES as readonly string[]).includes(name)
}

/** The column every source table carries its change time in. */
export const CURSOR_COLUMN = 'last_updated'
