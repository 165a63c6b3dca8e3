/** dim_location: the current address of every address this batch touched. */
import { defineModel } from './model.ts'

export const dimLocation = defineModel(
  'dim_location',
  () => `
SELECT a.address_id AS location_id, a.address_line_1, a.address_line_2, a.district, a.city, a.postal_code,
       a.country, a.phone
FROM cur_address a
WHERE a.address_id IN (SELECT address_id FROM src_address)`,
)
