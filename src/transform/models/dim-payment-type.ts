/** dim_payment_type: id and name (the enum label as text). */
import { defineModel } from './model.ts'

export const dimPaymentType = defineModel(
  'dim_payment_type',
  () => `
SELECT p.payment_type_id, p.payment_type_name
FROM cur_payment_type p
WHERE p.payment_type_id IN (SELECT payment_type_id FROM src_payment_type)`,
)
