/** Each model run in an in-memory DuckDB over a handful of typed rows built by the fixture helpers. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { SourceTable } from '../../src/core/source-catalogue.ts'
import { quoteIdent } from '../../src/core/sql-ident.ts'
import { type DuckDb, openDuckDb } from '../../src/io/duckdb.ts'
import { isoCurrencyNames } from '../../src/transform/currency-names.ts'
import { dimCounterparty } from '../../src/transform/models/dim-counterparty.ts'
import { dimCurrency } from '../../src/transform/models/dim-currency.ts'
import { dimDate } from '../../src/transform/models/dim-date.ts'
import { dimDesign } from '../../src/transform/models/dim-design.ts'
import { dimLocation } from '../../src/transform/models/dim-location.ts'
import { dimPaymentType } from '../../src/transform/models/dim-payment-type.ts'
import { dimStaff } from '../../src/transform/models/dim-staff.ts'
import { dimTransaction } from '../../src/transform/models/dim-transaction.ts'
import { factPayment } from '../../src/transform/models/fact-payment.ts'
import { factPurchaseOrders } from '../../src/transform/models/fact-purchase-orders.ts'
import { factSalesOrder } from '../../src/transform/models/fact-sales-order.ts'
import type { Model } from '../../src/transform/models/model.ts'
import { duckTypeOf, SOURCE_NEEDS } from '../../src/transform/source-needs.ts'
import { toTypedModelSql } from '../../src/transform/stage-sql.ts'
import {
  aCounterparty,
  aCurrency,
  aDepartment,
  aDesign,
  anAddress,
  aPayment,
  aPaymentType,
  aPurchaseOrder,
  aSalesOrder,
  aStaff,
  aTransaction,
  type FixtureRow,
} from '../support/ingestion-fixture.ts'

type Inputs = Partial<Record<`src_${SourceTable}` | `cur_${SourceTable}`, FixtureRow[]>> & {
  date_span?: [string, string]
}

async function runModel(db: DuckDb, model: Model, inputs: Inputs): Promise<Record<string, unknown>[]> {
  for (const needs of SOURCE_NEEDS) {
    for (const prefix of ['src', 'cur'] as const) {
      const name = quoteIdent(`${prefix}_${needs.table}`)
      await db.run(
        `CREATE OR REPLACE TABLE ${name} (${needs.columns.map((c) => `${quoteIdent(c.name)} ${duckTypeOf(c.stage)}`).join(', ')})`,
      )
      for (const row of inputs[`${prefix}_${needs.table}`] ?? []) {
        const values = needs.columns.map((c, i) => `CAST($${i + 1} AS ${duckTypeOf(c.stage)})`).join(', ')
        await db.run(
          `INSERT INTO ${name} VALUES (${values})`,
          needs.columns.map((c) => row[c.name] ?? null),
        )
      }
    }
  }
  await db.run('CREATE OR REPLACE TABLE date_span (lo DATE, hi DATE)')
  if (inputs.date_span)
    await db.run('INSERT INTO date_span VALUES (CAST($1 AS DATE), CAST($2 AS DATE))', inputs.date_span)
  return db.rows(`${toTypedModelSql(model)} ORDER BY 1`)
}

const cases: { name: string; model: Model; inputs: Inputs; expected: Record<string, unknown>[] }[] = [
  {
    name: 'dim_location renames address_id and keeps nulls and empty strings apart',
    model: dimLocation,
    inputs: {
      src_address: [anAddress({ address_line_2: '' })],
      cur_address: [anAddress({ address_line_2: '' })],
    },
    expected: [
      {
        location_id: 1,
        address_line_1: '6826 Herzog Via',
        address_line_2: '',
        district: 'Avon',
        city: 'New Patienceburgh',
        postal_code: '28441',
        country: 'Turkey',
        phone: '1803 637401',
      },
    ],
  },
  {
    name: 'dim_counterparty takes the current address of a counterparty whose address alone changed',
    model: dimCounterparty,
    inputs: {
      src_address: [anAddress({ city: 'York' })],
      cur_address: [anAddress({ city: 'York' }), anAddress({ address_id: '2' })],
      cur_counterparty: [aCounterparty(), aCounterparty({ counterparty_id: '2', legal_address_id: '2' })],
    },
    expected: [
      {
        counterparty_id: 1,
        counterparty_legal_name: 'Fahey and Sons',
        counterparty_legal_address_line_1: '6826 Herzog Via',
        counterparty_legal_address_line_2: null,
        counterparty_legal_district: 'Avon',
        counterparty_legal_city: 'York',
        counterparty_legal_postal_code: '28441',
        counterparty_legal_country: 'Turkey',
        counterparty_legal_phone_number: '1803 637401',
      },
    ],
  },
  {
    name: 'dim_staff rewrites the staff of a changed department',
    model: dimStaff,
    inputs: {
      src_department: [aDepartment({ location: 'Leds' })],
      cur_department: [aDepartment({ location: 'Leds' })],
      cur_staff: [aStaff(), aStaff({ staff_id: '2', first_name: 'Deron' })],
    },
    expected: [
      {
        staff_id: 1,
        first_name: 'Jeremie',
        last_name: 'Franey',
        department_name: 'Sales',
        location: 'Leds',
        email_address: 'jeremie.franey@terrifictotes.com',
      },
      {
        staff_id: 2,
        first_name: 'Deron',
        last_name: 'Franey',
        department_name: 'Sales',
        location: 'Leds',
        email_address: 'jeremie.franey@terrifictotes.com',
      },
    ],
  },
  {
    name: 'dim_currency names each code in ISO 4217 English',
    model: dimCurrency,
    inputs: {
      src_currency: [
        aCurrency(),
        aCurrency({ currency_id: '2', currency_code: 'USD' }),
        aCurrency({ currency_id: '3', currency_code: 'EUR' }),
      ],
      cur_currency: [
        aCurrency(),
        aCurrency({ currency_id: '2', currency_code: 'USD' }),
        aCurrency({ currency_id: '3', currency_code: 'EUR' }),
      ],
    },
    expected: [
      { currency_id: 1, currency_code: 'GBP', currency_name: 'Pound Sterling' },
      { currency_id: 2, currency_code: 'USD', currency_name: 'US Dollar' },
      { currency_id: 3, currency_code: 'EUR', currency_name: 'Euro' },
    ],
  },
  {
    name: 'dim_design keeps name, location and file',
    model: dimDesign,
    inputs: { src_design: [aDesign()], cur_design: [aDesign()] },
    expected: [
      { design_id: 1, design_name: 'Wooden', file_location: '/lib', file_name: 'wooden-20201128-jdvi.json' },
    ],
  },
  {
    name: 'dim_payment_type turns the enum label into text',
    model: dimPaymentType,
    inputs: { src_payment_type: [aPaymentType()], cur_payment_type: [aPaymentType()] },
    expected: [{ payment_type_id: 1, payment_type_name: 'SALES_RECEIPT' }],
  },
  {
    name: 'dim_transaction keeps the null order id',
    model: dimTransaction,
    inputs: { src_transaction: [aTransaction()], cur_transaction: [aTransaction()] },
    expected: [{ transaction_id: 1, transaction_type: 'SALE', sales_order_id: 1, purchase_order_id: null }],
  },
  {
    name: 'fact_sales_order splits timestamps (ms kept), renames staff_id, casts TEXT dates, keeps units_sold 0',
    model: factSalesOrder,
    inputs: { src_sales_order: [aSalesOrder({ units_sold: '0', last_updated: '2024-02-22 23:59:59.9' })] },
    expected: [
      {
        sales_order_id: 1,
        created_date: '2024-02-21',
        created_time: '10:15:00.123',
        last_updated_date: '2024-02-22',
        last_updated_time: '23:59:59.9',
        sales_staff_id: 1,
        counterparty_id: 1,
        units_sold: 0,
        unit_price: '2.43',
        currency_id: 1,
        design_id: 1,
        agreed_payment_date: '2024-02-24',
        agreed_delivery_date: '2024-02-26',
        agreed_delivery_location_id: 1,
      },
    ],
  },
  {
    name: 'fact_purchase_orders keeps every version and exact item_unit_price',
    model: factPurchaseOrders,
    inputs: {
      src_purchase_order: [
        aPurchaseOrder(),
        aPurchaseOrder({ last_updated: '2024-02-22 09:00:00', item_unit_price: '0.10' }),
      ],
    },
    expected: [
      {
        purchase_order_id: 1,
        created_date: '2024-02-21',
        created_time: '11:00:00',
        last_updated_date: '2024-02-21',
        last_updated_time: '11:00:00.5',
        staff_id: 1,
        counterparty_id: 1,
        item_code: 'ZDOI5EA',
        item_quantity: 371,
        item_unit_price: '361.39',
        currency_id: 1,
        agreed_delivery_date: '2024-02-27',
        agreed_payment_date: '2024-02-25',
        agreed_delivery_location_id: 1,
      },
      {
        purchase_order_id: 1,
        created_date: '2024-02-21',
        created_time: '11:00:00',
        last_updated_date: '2024-02-22',
        last_updated_time: '09:00:00',
        staff_id: 1,
        counterparty_id: 1,
        item_code: 'ZDOI5EA',
        item_quantity: 371,
        item_unit_price: '0.10',
        currency_id: 1,
        agreed_delivery_date: '2024-02-27',
        agreed_payment_date: '2024-02-25',
        agreed_delivery_location_id: 1,
      },
    ],
  },
  {
    name: 'fact_payment drops account numbers, keeps paid and the payment date',
    model: factPayment,
    inputs: { src_payment: [aPayment({ paid: 't' })] },
    expected: [
      {
        payment_id: 1,
        created_date: '2024-02-21',
        created_time: '12:00:00.001',
        last_updated_date: '2024-02-21',
        last_updated_time: '12:00:00.001',
        transaction_id: 1,
        counterparty_id: 1,
        payment_amount: '56925.44',
        currency_id: 1,
        payment_type_id: 1,
        paid: true,
        payment_date: '2024-02-28',
      },
    ],
  },
  {
    name: 'dim_date: ISO day of week (1 = Monday), English names, quarter, across a year end',
    model: dimDate,
    inputs: { date_span: ['2023-12-31', '2024-01-01'] },
    expected: [
      {
        date_id: '2023-12-31',
        year: 2023,
        month: 12,
        day: 31,
        day_of_week: 7,
        day_name: 'Sunday',
        month_name: 'December',
        quarter: 4,
      },
      {
        date_id: '2024-01-01',
        year: 2024,
        month: 1,
        day: 1,
        day_of_week: 1,
        day_name: 'Monday',
        month_name: 'January',
        quarter: 1,
      },
    ],
  },
  { name: 'dim_date: no span, no rows', model: dimDate, inputs: {}, expected: [] },
]

describe('models', () => {
  let db: DuckDb
  before(async () => {
    db = await openDuckDb()
    await db.run('CREATE TABLE iso_currency (code VARCHAR, name VARCHAR)')
    for (const [code, name] of isoCurrencyNames())
      await db.run('INSERT INTO iso_currency VALUES ($1, $2)', [code, name])
  })
  after(() => db.close())
  for (const c of cases) {
    it(c.name, async () => {
      const rows = await runModel(db, c.model, c.inputs)
      const order = (r: Record<string, unknown>) => JSON.stringify(r)
      assert.deepEqual(rows.map(order).sort(), c.expected.map(order).sort())
    })
  }

  // The transform skips a model none of whose source tables the batch staged (Model.drivenBy): that is
  // only right if such a model yields nothing, whatever the current state holds.
  const aRowOf: Partial<Record<SourceTable, FixtureRow>> = {
    address: anAddress(),
    counterparty: aCounterparty(),
    currency: aCurrency(),
    department: aDepartment(),
    design: aDesign(),
    payment_type: aPaymentType(),
    staff: aStaff(),
    transaction: aTransaction(),
    payment: aPayment(),
    sales_order: aSalesOrder(),
    purchase_order: aPurchaseOrder(),
  }
  const everyState: Inputs = Object.fromEntries(
    SOURCE_NEEDS.filter((n) => n.kind === 'lookup').map((n) => [`cur_${n.table}`, [aRowOf[n.table]]]),
  )
  const models = [...new Map(cases.map((c) => [c.model.table, c.model])).values()]
  for (const model of models.filter((m) => m.drivenBy.length > 0)) {
    it(`${model.table} yields no row when none of ${model.drivenBy.join(', ')} has a row in the batch`, async () => {
      assert.deepEqual(await runModel(db, model, everyState), [])
      // The same state gives a row once a driving table has one: the check above is not vacuous.
      const staged = Object.fromEntries(model.drivenBy.map((t) => [`src_${t}`, [aRowOf[t]]]))
      assert.equal((await runModel(db, model, { ...everyState, ...staged })).length, 1)
    })
  }

  it('every model but dim_date reads the src_ relation of at least one source table', () => {
    assert.deepEqual(
      models.filter((m) => m.drivenBy.length === 0).map((m) => m.table),
      ['dim_date'],
    )
    assert.deepEqual(dimCounterparty.drivenBy, ['counterparty', 'address'])
  })
})
