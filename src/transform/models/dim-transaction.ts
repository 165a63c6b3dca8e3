/** dim_transaction: type (enum label as text) and the optional order ids. */
import { defineModel } from './model.ts'

export const dimTransaction = defineModel(
  'dim_transaction',
  () => `
SELECT t.transaction_id, t.transaction_type, t.sales_order_id, t.purchase_order_id
FROM cur_transaction t
WHERE t.transaction_id IN (SELECT transaction_id FROM src_transaction)`,
)
