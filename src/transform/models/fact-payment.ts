/** fact_payment: one row per extracted version of a payment; account numbers dropped. */
import { defineModel } from './model.ts'

export const factPayment = defineModel(
  'fact_payment',
  () => `
SELECT p.payment_id,
       CAST(p.created_at AS DATE) AS created_date, CAST(p.created_at AS TIME) AS created_time,
       CAST(p.last_updated AS DATE) AS last_updated_date, CAST(p.last_updated AS TIME) AS last_updated_time,
       p.transaction_id, p.counterparty_id, p.payment_amount, p.currency_id, p.payment_type_id, p.paid,
       p.payment_date
FROM src_payment p`,
)
