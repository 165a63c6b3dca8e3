/**
 * The fixed catalogue of the 11 totesys source tables: the only place identifiers come from, and the one
 * declaration of the source schema (SOURCE_DECLARATION) that everything else about the source derives from.
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

/** How the transform parses a needed column from the CSV text. */
export type StageType = 'int' | 'text' | 'timestamp' | 'money' | 'bool' | 'date' | 'enum' | 'currency_code'

/** What the transform needs of a column it uses. */
export interface ColumnNeed {
  readonly stage: StageType
  /** The warehouse needs a value (NOT NULL there): a null is a row-level problem. */
  readonly required: boolean
  /**
   * The key must exist in this source table (in the batch or the transform's state): the transform checks
   * it, and the extract reads the target table first (SOURCE_READ_ORDER).
   */
  readonly references?: SourceTable
}

/** A column as declared: the source's facts, and what the transform needs of it (none: not used). */
export interface DeclaredColumn extends SourceColumn {
  readonly need?: ColumnNeed
}

/** A table as declared. Lookups keep a current-state snapshot in the transform; facts are appended. */
export interface DeclaredTable {
  readonly primaryKey: string
  readonly kind: 'lookup' | 'fact'
  readonly columns: readonly DeclaredColumn[]
}

const col = (
  name: string,
  type: SourceType,
  nullable: boolean,
  stage: StageType,
  references?: SourceTable,
): DeclaredColumn => ({
  name,
  type,
  nullable,
  need: { stage, required: !nullable, ...(references ? { references } : {}) },
})
/** An int4 NOT NULL (an id, or a count); `references` when the transform checks the key. */
const int = (name: string, references?: SourceTable) => col(name, 'int4', false, 'int', references)
const text = (name: string, nullable = false) => col(name, 'text', nullable, 'text')
/** A date carried as text in the source, parsed as a DATE on the way in. */
const dateText = (name: string) => col(name, 'text', false, 'date')
const ts = (name: string) => col(name, 'timestamp', false, 'timestamp')
const money = (name: string) => col(name, 'numeric', false, 'money')
const enumOf = (name: string, values: readonly string[]): DeclaredColumn => ({
  name,
  type: 'enum',
  nullable: false,
  values,
  need: { stage: 'enum', required: true },
})
/** A column the transform does not use: its drift never blocks a batch. */
const unused = ({ need: _, ...column }: DeclaredColumn): DeclaredColumn => column
/** Nullable in the source but NOT NULL in the warehouse: a null is a row-level problem. */
const required = (c: DeclaredColumn): DeclaredColumn =>
  c.need ? { ...c, need: { ...c.need, required: true } } : c

export const PAYMENT_TYPE_NAMES = [
  'SALES_RECEIPT',
  'SALES_REFUND',
  'PURCHASE_PAYMENT',
  'PURCHASE_REFUND',
] as const
export const TRANSACTION_TYPES = ['SALE', 'PURCHASE'] as const

/**
 * THE declaration of the source schema. Columns stand in the source's order; tables in the transform's
 * order (a table after the tables its rows point at). Derived from it: the catalogue (SOURCE_CATALOGUE),
 * the references and the extract's read order (source-references.ts), the transform's needs
 * (transform/source-needs.ts). sql/totesys.sql creates the same tables; test/simulator/source-schema.test.ts
 * holds the two together.
 */
export const SOURCE_DECLARATION: { readonly [T in SourceTable]: DeclaredTable } = {
  address: {
    primaryKey: 'address_id',
    kind: 'lookup',
    columns: [
      int('address_id'),
      text('address_line_1'),
      text('address_line_2', true),
      text('district', true),
      text('city'),
      text('postal_code'),
      text('country'),
      text('phone'),
      unused(ts('created_at')),
      ts('last_updated'),
    ],
  },
  department: {
    primaryKey: 'department_id',
    kind: 'lookup',
    columns: [
      int('department_id'),
      text('department_name'),
      // dim_staff.location is NOT NULL.
      required(text('location', true)),
      unused(text('manager', true)),
      unused(ts('created_at')),
      ts('last_updated'),
    ],
  },
  currency: {
    primaryKey: 'currency_id',
    kind: 'lookup',
    columns: [
      int('currency_id'),
      col('currency_code', 'varchar', false, 'currency_code'),
      unused(ts('created_at')),
      ts('last_updated'),
    ],
  },
  design: {
    primaryKey: 'design_id',
    kind: 'lookup',
    columns: [
      int('design_id'),
      unused(ts('created_at')),
      text('design_name'),
      text('file_location'),
      text('file_name'),
      ts('last_updated'),
    ],
  },
  payment_type: {
    primaryKey: 'payment_type_id',
    kind: 'lookup',
    columns: [
      int('payment_type_id'),
      enumOf('payment_type_name', PAYMENT_TYPE_NAMES),
      unused(ts('created_at')),
      ts('last_updated'),
    ],
  },
  counterparty: {
    primaryKey: 'counterparty_id',
    kind: 'lookup',
    columns: [
      int('counterparty_id'),
      text('counterparty_legal_name'),
      int('legal_address_id', 'address'),
      unused(text('commercial_contact', true)),
      unused(text('delivery_contact', true)),
      unused(ts('created_at')),
      ts('last_updated'),
    ],
  },
  staff: {
    primaryKey: 'staff_id',
    kind: 'lookup',
    columns: [
      int('staff_id'),
      text('first_name'),
      text('last_name'),
      int('department_id', 'department'),
      text('email_address'),
      unused(ts('created_at')),
      ts('last_updated'),
    ],
  },
  transaction: {
    primaryKey: 'transaction_id',
    kind: 'lookup',
    columns: [
      int('transaction_id'),
      enumOf('transaction_type', TRANSACTION_TYPES),
      col('sales_order_id', 'int4', true, 'int'),
      col('purchase_order_id', 'int4', true, 'int'),
      unused(ts('created_at')),
      ts('last_updated'),
    ],
  },
  sales_order: {
    primaryKey: 'sales_order_id',
    kind: 'fact',
    columns: [
      int('sales_order_id'),
      ts('created_at'),
      ts('last_updated'),
      int('design_id', 'design'),
      int('staff_id', 'staff'),
      int('counterparty_id', 'counterparty'),
      int('units_sold'),
      money('unit_price'),
      int('currency_id', 'currency'),
      dateText('agreed_delivery_date'),
      dateText('agreed_payment_date'),
      int('agreed_delivery_location_id', 'address'),
    ],
  },
  purchase_order: {
    primaryKey: 'purchase_order_id',
    kind: 'fact',
    columns: [
      int('purchase_order_id'),
      ts('created_at'),
      ts('last_updated'),
      int('staff_id', 'staff'),
      int('counterparty_id', 'counterparty'),
      text('item_code'),
      int('item_quantity'),
      money('item_unit_price'),
      int('currency_id', 'currency'),
      dateText('agreed_delivery_date'),
      dateText('agreed_payment_date'),
      int('agreed_delivery_location_id', 'address'),
    ],
  },
  payment: {
    primaryKey: 'payment_id',
    kind: 'fact',
    columns: [
      int('payment_id'),
      ts('created_at'),
      ts('last_updated'),
      int('transaction_id', 'transaction'),
      int('counterparty_id', 'counterparty'),
      money('payment_amount'),
      int('currency_id', 'currency'),
      int('payment_type_id', 'payment_type'),
      col('paid', 'bool', false, 'bool'),
      dateText('payment_date'),
      unused(int('company_ac_number')),
      unused(int('counterparty_ac_number')),
    ],
  },
}

/** The source's own facts of a declared column (what the extract and the catalogue speak of). */
function toSourceColumn({ name, type, nullable, values }: DeclaredColumn): SourceColumn {
  return values === undefined ? { name, type, nullable } : { name, type, nullable, values }
}

/** The catalogue entry of a source table. */
export function sourceTable(name: SourceTable): SourceTableDef {
  const { primaryKey, columns } = SOURCE_DECLARATION[name]
  return { name, primaryKey, columns: columns.map(toSourceColumn) }
}

/** Every source table definition, in catalogue order. */
export const SOURCE_CATALOGUE: readonly SourceTableDef[] = SOURCE_TABLES.map(sourceTable)

/** Narrows untrusted input (a CLI argument, a manifest key) to a catalogue table name. */
export function isSourceTable(name: string): name is SourceTable {
  return (SOURCE_TABLES as readonly string[]).includes(name)
}

/** The column every source table carries its change time in. */
export const CURSOR_COLUMN = 'last_updated'
