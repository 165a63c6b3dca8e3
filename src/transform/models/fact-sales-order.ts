/** fact_sales_order: one row per extracted version; timestamps split into date + time (ms kept). */
import { defineModel } from './model.ts'

export const factSalesOrder = defineModel(
  'fact_sales_order',
  () => `
SELECT s.sales_order_id,
       CAST(s.created_at AS DATE) AS created_date, CAST(s.created_at AS TIME) AS created_time,
       CAST(s.last_updated AS DATE) AS last_updated_date, CAST(s.last_updated AS TIME) AS last_updated_time,
       s.staff_id AS sales_staff_id, s.counterparty_id, s.units_sold, s.unit_price, s.currency_id, s.design_id,
       s.agreed_payment_date, s.agreed_delivery_date, s.agreed_delivery_location_id
FROM src_sales_order s`,
)
