/** dim_counterparty: counterparty ⋈ address, for every counterparty that changed or whose address did. */
import { defineModel } from './model.ts'

export const dimCounterparty = defineModel(
  'dim_counterparty',
  () => `
SELECT c.counterparty_id, c.counterparty_legal_name,
       a.address_line_1 AS counterparty_legal_address_line_1,
       a.address_line_2 AS counterparty_legal_address_line_2,
       a.district AS counterparty_legal_district,
       a.city AS counterparty_legal_city,
       a.postal_code AS counterparty_legal_postal_code,
       a.country AS counterparty_legal_country,
       a.phone AS counterparty_legal_phone_number
FROM cur_counterparty c
JOIN cur_address a ON a.address_id = c.legal_address_id
WHERE c.counterparty_id IN (SELECT counterparty_id FROM src_counterparty)
   OR c.legal_address_id IN (SELECT address_id FROM src_address)`,
)
