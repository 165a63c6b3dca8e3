/**
 * Which source tables a table's rows point at: the references the transform checks (a row whose target
 * it cannot find is quarantined). The extract reads tables in SOURCE_READ_ORDER and stops reading when a
 * batch's row budget is spent, so a table is read only after every table it points at was read to the
 * end of the same snapshot: a first load cut into bounded batches never makes a row arrive before what
 * it points at.
 * Kept equal to the transform's needs by src/transform/source-needs.test.ts.
 */
import type { SourceTable } from './source-catalogue.ts'

export const SOURCE_REFERENCES: Readonly<Record<SourceTable, readonly SourceTable[]>> = {
  address: [],
  department: [],
  currency: [],
  design: [],
  payment_type: [],
  transaction: [],
  counterparty: ['address'],
  staff: ['department'],
  sales_order: ['design', 'staff', 'counterparty', 'currency', 'address'],
  purchase_order: ['staff', 'counterparty', 'currency', 'address'],
  payment: ['transaction', 'counterparty', 'currency', 'payment_type'],
}

/** Every table after the tables it references. */
export const SOURCE_READ_ORDER: readonly SourceTable[] = [
  'address',
  'department',
  'currency',
  'design',
  'payment_type',
  'transaction',
  'counterparty',
  'staff',
  'sales_order',
  'purchase_order',
  'payment',
]
