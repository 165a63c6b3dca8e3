/** Row counts of the real snapshot, as the data contract states them (../shared/spec/README.md). */
export const SNAPSHOT_COUNTS = {
  address: 30,
  counterparty: 20,
  currency: 3,
  department: 8,
  design: 324,
  payment: 9899,
  payment_type: 4,
  purchase_order: 2958,
  sales_order: 6941,
  staff: 20,
  transaction: 9899,
} as const
