/** dim_currency: the code and its ISO 4217 English name (unknown codes never get this far: quarantined). */
import { defineModel } from './model.ts'

export const dimCurrency = defineModel(
  'dim_currency',
  () => `
SELECT c.currency_id, c.currency_code, i.name AS currency_name
FROM cur_currency c
JOIN iso_currency i ON i.code = c.currency_code
WHERE c.currency_id IN (SELECT currency_id FROM src_currency)`,
)
