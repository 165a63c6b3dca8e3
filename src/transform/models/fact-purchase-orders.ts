/** fact_purchase_orders: one row per extracted version of a purchase order. */
import { defineModel } from './model.ts'

export const factPurchaseOrders = defineModel(
  'fact_purchase_orders',
  () => `
SELECT p.purchase_order_id,
       CAST(p.created_at AS DATE) AS created_date, CAST(p.created_at AS TIME) AS created_time,
       CAST(p.last_updated AS DATE) AS last_updated_date, CAST(p.last_updated AS TIME) AS last_updated_time,
       p.staff_id, p.counterparty_id, p.item_code, p.item_quantity, p.item_unit_price, p.currency_id,
       p.agreed_delivery_date, p.agreed_payment_date, p.agreed_delivery_location_id
FROM src_purchase_order p`,
)
