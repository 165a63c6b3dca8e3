/** Every model, facts first (their dates size dim_date), then the dimensions. */
import { dimCounterparty } from './dim-counterparty.ts'
import { dimCurrency } from './dim-currency.ts'
import { dimDate } from './dim-date.ts'
import { dimDesign } from './dim-design.ts'
import { dimLocation } from './dim-location.ts'
import { dimPaymentType } from './dim-payment-type.ts'
import { dimStaff } from './dim-staff.ts'
import { dimTransaction } from './dim-transaction.ts'
import { factPayment } from './fact-payment.ts'
import { factPurchaseOrders } from './fact-purchase-orders.ts'
import { factSalesOrder } from './fact-sales-order.ts'
import type { Model } from './model.ts'

export const FACT_MODELS: readonly Model[] = [factSalesOrder, factPurchaseOrders, factPayment]
export const DIM_MODELS: readonly Model[] = [
  dimLocation,
  dimCounterparty,
  dimStaff,
  dimCurrency,
  dimDesign,
  dimPaymentType,
  dimTransaction,
]
export { dimDate }
