/** A small processed batch sequence for load tests: dims, facts, a dim update, repeated fact versions. */
import type { ObjectStore } from '../../src/io/object-store.ts'
import type { FixtureBatch } from '../support/processed-fixture.ts'
import {
  aDimCounterparty,
  aDimCurrency,
  aDimDesign,
  aDimLocation,
  aDimPaymentType,
  aDimStaff,
  aDimTransaction,
  aFactPayment,
  aFactPurchaseOrder,
  aFactSalesOrder,
  dimDateRows,
  writeProcessedBatch,
} from '../support/processed-fixture.ts'

export const SEQUENCE: readonly FixtureBatch[] = [
  {
    batchId: '0000000001',
    sourceCreatedAt: '2024-02-01 12:00:00.000',
    watermarks: {
      sales_order: '2024-02-01 10:00:00.000',
      payment: '2024-02-01 12:00:00.000',
      staff: '2024-01-01 08:00:00.000',
    },
    tables: {
      dim_date: dimDateRows('2024-01-01', '2024-03-31'),
      dim_staff: [aDimStaff(), aDimStaff({ staff_id: 2, first_name: 'Deron', last_name: 'Beier' })],
      dim_location: [
        aDimLocation(),
        aDimLocation({ location_id: 2, address_line_2: 'Flat 1', city: "O'Keefe" }),
      ],
      dim_currency: [
        aDimCurrency(),
        aDimCurrency({ currency_id: 2, currency_code: 'USD', currency_name: 'US Dollar' }),
      ],
      dim_design: [aDimDesign()],
      dim_counterparty: [aDimCounterparty()],
      dim_payment_type: [
        aDimPaymentType(),
        aDimPaymentType({ payment_type_id: 3, payment_type_name: 'PURCHASE_PAYMENT' }),
      ],
      dim_transaction: [
        aDimTransaction(),
        aDimTransaction({
          transaction_id: 2,
          transaction_type: 'PURCHASE',
          sales_order_id: null,
          purchase_order_id: 1,
        }),
      ],
      fact_sales_order: [aFactSalesOrder()],
      fact_purchase_orders: [aFactPurchaseOrder()],
      fact_payment: [aFactPayment()],
    },
  },
  {
    batchId: '0000000002',
    sourceCreatedAt: '2024-02-02 12:00:00.000',
    watermarks: { sales_order: '2024-02-02 09:30:00.123', payment: '2024-02-02 11:00:00.000' },
    tables: {
      dim_date: [],
      // staff 1 changes name; counterparty 1 arrives again unchanged; a new design, with an empty string.
      dim_staff: [aDimStaff({ last_name: 'Franey-Smith' })],
      dim_counterparty: [aDimCounterparty()],
      dim_design: [aDimDesign({ design_id: 2, design_name: 'Steel', file_location: '' })],
      fact_sales_order: [
        aFactSalesOrder({
          last_updated_date: '2024-02-02',
          last_updated_time: '09:30:00.123',
          units_sold: 120,
        }),
        aFactSalesOrder({
          sales_order_id: 2,
          design_id: 2,
          unit_price: '3.00',
          created_time: '09:00:00.001',
          last_updated_date: '2024-02-02',
          last_updated_time: '09:00:00.001',
        }),
      ],
      // The same purchase order version again: must not be appended twice.
      fact_purchase_orders: [aFactPurchaseOrder()],
      fact_payment: [
        aFactPayment({ paid: true, last_updated_date: '2024-02-02', last_updated_time: '11:00:00.000' }),
      ],
    },
  },
  {
    batchId: '0000000003',
    sourceCreatedAt: '2024-02-03 12:00:00.000',
    watermarks: {
      sales_order: '2024-02-02 09:30:00.123',
      payment: '2024-02-03 10:00:00.500',
      staff: '2024-02-02 08:00:00.000',
    },
    tables: {
      dim_date: dimDateRows('2024-03-25', '2024-04-30'),
      dim_transaction: [aDimTransaction({ transaction_id: 3, transaction_type: 'SALE', sales_order_id: 2 })],
      fact_sales_order: [
        aFactSalesOrder({
          sales_order_id: 2,
          design_id: 2,
          unit_price: '3.00',
          created_time: '09:00:00.001',
          last_updated_date: '2024-02-02',
          last_updated_time: '09:00:00.001',
        }),
      ],
      fact_payment: [
        aFactPayment({
          payment_id: 2,
          transaction_id: 3,
          payment_amount: '0.05',
          payment_date: '2024-04-30',
          last_updated_date: '2024-02-03',
          last_updated_time: '10:00:00.500',
        }),
      ],
    },
  },
]

/** What the warehouse holds after the whole sequence: rows per table. */
export const EXPECTED_COUNTS = {
  dim_date: 121,
  dim_staff: 2,
  dim_location: 2,
  dim_currency: 2,
  dim_design: 2,
  dim_counterparty: 1,
  dim_payment_type: 2,
  dim_transaction: 3,
  fact_sales_order: 3,
  fact_purchase_orders: 1,
  fact_payment: 3,
} as const

/** Writes the sequence (or its first n batches) to a processed store. */
export async function writeSequence(store: ObjectStore, n = SEQUENCE.length): Promise<void> {
  for (const batch of SEQUENCE.slice(0, n)) await writeProcessedBatch(store, batch)
}
