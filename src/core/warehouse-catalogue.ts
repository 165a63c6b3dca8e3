/**
 * The warehouse tables of sql/warehouse.sql, declared once. The transform's parquet schemas, the
 * load's staging tables and the typed query layer (Kysely row types) all derive from this.
 */

export const WAREHOUSE_TYPES = [
  'int4',
  'varchar',
  'date',
  'time',
  'numeric',
  'numeric(10,2)',
  'bool',
] as const
export type WarehouseType = (typeof WAREHOUSE_TYPES)[number]

export interface WarehouseColumn {
  readonly name: string
  readonly type: WarehouseType
  readonly nullable: boolean
}

/** dims are upserted on their key; facts are appended, one row per source version. */
export type WarehouseTableKind = 'dim' | 'fact'

const col = <N extends string, T extends WarehouseType, Null extends boolean = false>(
  name: N,
  type: T,
  nullable?: Null,
) => ({ name, type, nullable: (nullable ?? false) as Null })

export const WAREHOUSE_CATALOGUE = {
  dim_date: {
    kind: 'dim',
    key: ['date_id'],
    columns: [
      col('date_id', 'date'),
      col('year', 'int4'),
      col('month', 'int4'),
      col('day', 'int4'),
      col('day_of_week', 'int4'),
      col('day_name', 'varchar'),
      col('month_name', 'varchar'),
      col('quarter', 'int4'),
    ],
  },
  dim_staff: {
    kind: 'dim',
    key: ['staff_id'],
    columns: [
      col('staff_id', 'int4'),
      col('first_name', 'varchar'),
      col('last_name', 'varchar'),
      col('department_name', 'varchar'),
      col('location', 'varchar'),
      col('email_address', 'varchar'),
    ],
  },
  dim_location: {
    kind: 'dim',
    key: ['location_id'],
    columns: [
      col('location_id', 'int4'),
      col('address_line_1', 'varchar'),
      col('address_line_2', 'varchar', true),
      col('district', 'varchar', true),
      col('city', 'varchar'),
      col('postal_code', 'varchar'),
      col('country', 'varchar'),
      col('phone', 'varchar'),
    ],
  },
  dim_currency: {
    kind: 'dim',
    key: ['currency_id'],
    columns: [col('currency_id', 'int4'), col('currency_code', 'varchar'), col('currency_name', 'varchar')],
  },
  dim_design: {
    kind: 'dim',
    key: ['design_id'],
    columns: [
      col('design_id', 'int4'),
      col('design_name', 'varchar'),
      col('file_location', 'varchar'),
      col('file_name', 'varchar'),
    ],
  },
  dim_counterparty: {
    kind: 'dim',
    key: ['counterparty_id'],
    columns: [
      col('counterparty_id', 'int4'),
      col('counterparty_legal_name', 'varchar'),
      col('counterparty_legal_address_line_1', 'varchar'),
      col('counterparty_legal_address_line_2', 'varchar', true),
      col('counterparty_legal_district', 'varchar', true),
      col('counterparty_legal_city', 'varchar'),
      col('counterparty_legal_postal_code', 'varchar'),
      col('counterparty_legal_country', 'varchar'),
      col('counterparty_legal_phone_number', 'varchar'),
    ],
  },
  dim_payment_type: {
    kind: 'dim',
    key: ['payment_type_id'],
    columns: [col('payment_type_id', 'int4'), col('payment_type_name', 'varchar')],
  },
  dim_transaction: {
    kind: 'dim',
    key: ['transaction_id'],
    columns: [
      col('transaction_id', 'int4'),
      col('transaction_type', 'varchar'),
      col('sales_order_id', 'int4', true),
      col('purchase_order_id', 'int4', true),
    ],
  },
  fact_sales_order: {
    kind: 'fact',
    // A fact version is identified by its natural id and its last_updated.
    key: ['sales_order_id', 'last_updated_date', 'last_updated_time'],
    columns: [
      col('sales_order_id', 'int4'),
      col('created_date', 'date'),
      col('created_time', 'time'),
      col('last_updated_date', 'date'),
      col('last_updated_time', 'time'),
      col('sales_staff_id', 'int4'),
      col('counterparty_id', 'int4'),
      col('units_sold', 'int4'),
      col('unit_price', 'numeric(10,2)'),
      col('currency_id', 'int4'),
      col('design_id', 'int4'),
      col('agreed_payment_date', 'date'),
      col('agreed_delivery_date', 'date'),
      col('agreed_delivery_location_id', 'int4'),
    ],
  },
  fact_purchase_orders: {
    kind: 'fact',
    key: ['purchase_order_id', 'last_updated_date', 'last_updated_time'],
    columns: [
      col('purchase_order_id', 'int4'),
      col('created_date', 'date'),
      col('created_time', 'time'),
      col('last_updated_date', 'date'),
      col('last_updated_time', 'time'),
      col('staff_id', 'int4'),
      col('counterparty_id', 'int4'),
      col('item_code', 'varchar'),
      col('item_quantity', 'int4'),
      col('item_unit_price', 'numeric'),
      col('currency_id', 'int4'),
      col('agreed_delivery_date', 'date'),
      col('agreed_payment_date', 'date'),
      col('agreed_delivery_location_id', 'int4'),
    ],
  },
  fact_payment: {
    kind: 'fact',
    key: ['payment_id', 'last_updated_date', 'last_updated_time'],
    columns: [
      col('payment_id', 'int4'),
      col('created_date', 'date'),
      col('created_time', 'time'),
      col('last_updated_date', 'date'),
      col('last_updated_time', 'time'),
      col('transaction_id', 'int4'),
      col('counterparty_id', 'int4'),
      col('payment_amount', 'numeric'),
      col('currency_id', 'int4'),
      col('payment_type_id', 'int4'),
      col('paid', 'bool'),
      col('payment_date', 'date'),
    ],
  },
} as const

export type WarehouseTable = keyof typeof WAREHOUSE_CATALOGUE
/** Dimensions first (dim_date first of all), then facts: the order the load applies them in. */
export const WAREHOUSE_TABLES = Object.keys(WAREHOUSE_CATALOGUE) as WarehouseTable[]

/** The record id column the warehouse assigns to each fact table (never the transform). */
export const FACT_RECORD_ID = {
  fact_sales_order: 'sales_record_id',
  fact_purchase_orders: 'purchase_record_id',
  fact_payment: 'payment_record_id',
} as const

/** A warehouse table's definition. */
export function warehouseTable(name: WarehouseTable): {
  readonly name: WarehouseTable
  readonly kind: WarehouseTableKind
  readonly key: readonly string[]
  readonly columns: readonly WarehouseColumn[]
} {
  return { name, ...WAREHOUSE_CATALOGUE[name] }
}

/** Narrows untrusted input to a warehouse table name. */
export function isWarehouseTable(name: string): name is WarehouseTable {
  return Object.hasOwn(WAREHOUSE_CATALOGUE, name)
}
