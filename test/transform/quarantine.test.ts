import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { memoryLog } from '../../src/log.ts'
import { runListQuarantine } from '../../src/transform/quarantine-store.ts'
import { runAcceptSchema } from '../../src/transform/run-accept-schema.ts'
import { runReplay } from '../../src/transform/run-replay.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { runListSchemaVersions } from '../../src/transform/schema-registry.ts'
import {
  aCurrency,
  aLookupBatch,
  aPurchaseOrder,
  aSalesOrder,
  aStaff,
  catalogueColumns,
  writeIngestionBatch,
} from '../support/ingestion-fixture.ts'
import { processedManifest, processedRows, tempStores } from './support.ts'

const renamed = catalogueColumns('sales_order').map((c) =>
  c.name === 'unit_price' ? { ...c, name: 'unit_cost' } : c,
)
const rename = (row: Record<string, string | null>) => {
  const { unit_price, ...rest } = row
  return { ...rest, unit_cost: unit_price ?? null }
}

describe('schema drift and quarantine', () => {
  it('a renamed needed column holds the whole slice; other tables flow; accept + replay loads it once', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, {
        tables: {
          ...aLookupBatch(),
          sales_order: { rows: [rename(aSalesOrder())], columns: renamed },
          purchase_order: [aPurchaseOrder()],
        },
      })
      const log = memoryLog()
      const first = await runTransform({ ...s, log })
      assert.deepEqual(first.batches[0]?.quarantined, ['0000000001-sales_order-table'])
      assert.equal(first.batches[0]?.rows.fact_sales_order, 0)
      assert.equal(first.batches[0]?.rows.fact_purchase_orders, 1)
      assert.equal(first.batches[0]?.rows.dim_staff, 1)
      assert.ok(log.entries.some((e) => e.level === 'alert' && e.fields.table === 'sales_order'))
      const [held] = await runListQuarantine(s.ingestion)
      assert.equal(held?.level, 'table')
      assert.match(held?.reason ?? '', /unit_price.*missing/)

      await assert.rejects(runAcceptSchema(s.ingestion, { table: 'sales_order' }), /--rename/)
      const v2 = await runAcceptSchema(s.ingestion, {
        table: 'sales_order',
        renames: { unit_cost: 'unit_price' },
      })
      assert.equal(v2.version, 2)
      const replay = await runReplay({ ingestion: s.ingestion, log })
      assert.deepEqual(replay.replayed, [
        { entryId: '0000000001-sales_order-table', batchId: '0000000002', rows: 1 },
      ])
      await assert.rejects(
        runReplay({ ingestion: s.ingestion, log }, { entryId: held?.id }),
        /already replayed/,
      )
      const second = await runTransform({ ...s, log })
      assert.equal(second.batches[0]?.batchId, '0000000002')
      assert.equal(second.batches[0]?.rows.fact_sales_order, 1)
      const [fact] = await processedRows(s.processed, '0000000002', 'fact_sales_order')
      assert.equal(fact?.unit_price, '2.43')
      const listed = await runListQuarantine(s.ingestion)
      assert.equal(listed[0]?.replayedIn, '0000000002')

      // A replay that crashed before marking its entry could re-submit it: the transform adds nothing twice.
      await writeIngestionBatch(s.ingestion, {
        tables: { sales_order: { rows: [rename(aSalesOrder())], columns: renamed } },
        replayOf: ['0000000001-sales_order-table'],
      })
      const third = await runTransform({ ...s, log })
      assert.equal(third.batches[0]?.rows.fact_sales_order, 0)
      assert.deepEqual((await processedManifest(s.processed, '0000000003')).quarantined, [])
    } finally {
      await s.cleanup()
    }
  })

  const rowCases = [
    {
      name: 'a dropped NOT NULL with a null value',
      columns: catalogueColumns('sales_order').map((c) =>
        c.name === 'unit_price' ? { ...c, nullable: true } : c,
      ),
      bad: aSalesOrder({ sales_order_id: '2', unit_price: null }),
      reason: 'null in unit_price',
      newVersion: true,
    },
    {
      name: 'an unparsable date',
      columns: undefined,
      bad: aSalesOrder({ sales_order_id: '2', agreed_payment_date: '2024-02-30' }),
      reason: 'invalid date in agreed_payment_date',
      newVersion: false,
    },
    {
      name: 'a money value that numeric(10,2) would round',
      columns: undefined,
      bad: aSalesOrder({ sales_order_id: '2', unit_price: '1.005' }),
      reason: 'invalid numeric(10,2) in unit_price',
      newVersion: false,
    },
    {
      name: 'a money value too large for numeric(10,2)',
      columns: undefined,
      bad: aSalesOrder({ sales_order_id: '2', unit_price: '123456789.00' }),
      reason: 'invalid numeric(10,2) in unit_price',
      newVersion: false,
    },
    {
      name: 'a money value in exponent form',
      columns: undefined,
      bad: aSalesOrder({ sales_order_id: '2', unit_price: '1e2' }),
      reason: 'invalid numeric(10,2) in unit_price',
      newVersion: false,
    },
    {
      name: 'a staff member that exists nowhere',
      columns: undefined,
      bad: aSalesOrder({ sales_order_id: '2', staff_id: '77' }),
      reason: 'staff_id not found in staff',
      newVersion: false,
    },
    {
      name: 'a bad value and an unknown reference in one row (the value check comes first)',
      columns: undefined,
      bad: aSalesOrder({ sales_order_id: '2', staff_id: '77', units_sold: 'many' }),
      reason: 'invalid integer in units_sold',
      newVersion: false,
    },
    {
      name: 'two unknown references in one row (the first in column order is reported)',
      columns: undefined,
      bad: aSalesOrder({ sales_order_id: '2', staff_id: '77', currency_id: '78' }),
      reason: 'staff_id not found in staff',
      newVersion: false,
    },
  ]
  for (const c of rowCases) {
    it(`${c.name}: that row is quarantined with its reason, the rest flows`, async () => {
      const s = await tempStores()
      try {
        await writeIngestionBatch(s.ingestion, {
          tables: {
            ...aLookupBatch(),
            sales_order: { rows: [aSalesOrder(), c.bad], ...(c.columns ? { columns: c.columns } : {}) },
          },
        })
        const log = memoryLog()
        const result = await runTransform({ ...s, log })
        assert.equal(result.batches[0]?.rows.fact_sales_order, 1)
        assert.equal(result.batches[0]?.quarantinedRows, 1)
        const [held] = await runListQuarantine(s.ingestion)
        assert.deepEqual(held?.reasons, [{ reason: c.reason, rows: 1 }])
        assert.equal(held?.sample[0]?._reason, c.reason)
        const csv = gunzipSync((await s.ingestion.get(held?.dataKey ?? '')) ?? new Uint8Array()).toString()
        assert.equal(csv.split('\n').length, 3) // header, one row, final newline
        const versions = await runListSchemaVersions(s.ingestion, 'sales_order')
        assert.equal(versions.length, c.newVersion ? 2 : 1)
        assert.equal(
          log.entries.some((e) => e.level === 'warn'),
          c.newVersion,
        )
      } finally {
        await s.cleanup()
      }
    })
  }

  it('a slice too large to hold in memory gets the same reasons (reference problems overlaid by row position)', async () => {
    const s = await tempStores()
    try {
      // Past the 16,384 rows a batch keeps in memory: the checks go through scratch files.
      const good = Array.from({ length: 17_000 }, (_, i) => aSalesOrder({ sales_order_id: String(i + 10) }))
      await writeIngestionBatch(s.ingestion, {
        tables: {
          ...aLookupBatch(),
          sales_order: [
            ...good.slice(0, 5_000),
            aSalesOrder({ sales_order_id: '2', staff_id: '77' }),
            aSalesOrder({ sales_order_id: '3', staff_id: '77', units_sold: 'many' }),
            ...good.slice(5_000),
            aSalesOrder({ sales_order_id: '4', staff_id: '77', currency_id: '78' }),
            aSalesOrder({ sales_order_id: '5', currency_id: '78' }),
          ],
        },
      })
      const result = await runTransform({ ...s, log: memoryLog() })
      assert.equal(result.batches[0]?.rows.fact_sales_order, 17_000)
      assert.equal(result.batches[0]?.quarantinedRows, 4)
      const [held] = await runListQuarantine(s.ingestion)
      assert.deepEqual(held?.reasons, [
        { reason: 'staff_id not found in staff', rows: 2 },
        { reason: 'currency_id not found in currency', rows: 1 },
        { reason: 'invalid integer in units_sold', rows: 1 },
      ])
      const reasons = new Map(held?.sample.map((r) => [r.sales_order_id, r._reason]))
      assert.deepEqual(Object.fromEntries([...reasons].sort()), {
        '2': 'staff_id not found in staff',
        '3': 'invalid integer in units_sold',
        '4': 'staff_id not found in staff',
        '5': 'currency_id not found in currency',
      })
      const rows = await processedRows(s.processed, '0000000001', 'fact_sales_order')
      assert.equal(new Set(rows.map((r) => Number(r.sales_order_id))).size, 17_000)
    } finally {
      await s.cleanup()
    }
  })

  it('money with zeros past the second decimal is exact, so it flows unchanged', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, {
        tables: {
          ...aLookupBatch(),
          sales_order: [
            aSalesOrder({ unit_price: '1.500' }),
            aSalesOrder({ sales_order_id: '2', unit_price: '-3' }),
          ],
        },
      })
      const result = await runTransform({ ...s, log: memoryLog() })
      assert.equal(result.batches[0]?.quarantinedRows, 0)
      const rows = await processedRows(s.processed, '0000000001', 'fact_sales_order')
      assert.deepEqual(
        rows.map((r) => String(r.unit_price)),
        ['1.50', '-3.00'],
      )
    } finally {
      await s.cleanup()
    }
  })

  it('an unknown currency code is quarantined (never guessed), and facts on it too', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, {
        tables: {
          ...aLookupBatch(),
          currency: [aCurrency(), aCurrency({ currency_id: '2', currency_code: 'XYZ' })],
          sales_order: [aSalesOrder(), aSalesOrder({ sales_order_id: '2', currency_id: '2' })],
        },
      })
      const result = await runTransform({ ...s, log: memoryLog() })
      assert.deepEqual(result.batches[0]?.quarantined, [
        '0000000001-currency-rows',
        '0000000001-sales_order-rows',
      ])
      assert.equal(result.batches[0]?.rows.dim_currency, 1)
      const held = await runListQuarantine(s.ingestion)
      assert.deepEqual(
        held.map((h) => h.reasons),
        [
          [{ reason: 'unknown currency code in currency_code', rows: 1 }],
          [{ reason: 'currency_id not found in currency', rows: 1 }],
        ],
      )
    } finally {
      await s.cleanup()
    }
  })

  it('an added column the warehouse does not need registers a new version and blocks nothing', async () => {
    const s = await tempStores()
    try {
      const columns = [
        ...catalogueColumns('staff'),
        { name: 'nickname', type: 'text' as const, pgType: 'text', nullable: true },
      ]
      await writeIngestionBatch(s.ingestion, {
        tables: { ...aLookupBatch(), staff: { rows: [aStaff({ nickname: 'J' })], columns } },
      })
      const log = memoryLog()
      const result = await runTransform({ ...s, log })
      assert.equal(result.batches[0]?.rows.dim_staff, 1)
      assert.equal(result.batches[0]?.quarantinedRows, 0)
      const versions = await runListSchemaVersions(s.ingestion, 'staff')
      assert.deepEqual(
        versions.map((v) => v.version),
        [1, 2],
      )
      assert.match(versions[1]?.reason ?? '', /nickname added/)
      assert.ok(log.entries.some((e) => e.level === 'warn' && e.fields.table === 'staff'))
    } finally {
      await s.cleanup()
    }
  })

  it('a fact held for a missing staff member flows after the staff row arrives and the entry is replayed', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, {
        tables: { ...aLookupBatch(), sales_order: [aSalesOrder({ staff_id: '2' })] },
      })
      await writeIngestionBatch(s.ingestion, {
        tables: { staff: [aStaff({ staff_id: '2', first_name: 'Deron' })] },
      })
      await runTransform({ ...s, log: memoryLog() })
      const replay = await runReplay(
        { ingestion: s.ingestion, log: memoryLog() },
        { entryId: '0000000001-sales_order-rows' },
      )
      assert.equal(replay.replayed[0]?.batchId, '0000000003')
      const result = await runTransform({ ...s, log: memoryLog() })
      assert.equal(result.batches[0]?.rows.fact_sales_order, 1)
      assert.equal(result.batches[0]?.quarantinedRows, 0)
      const [fact] = await processedRows(s.processed, '0000000003', 'fact_sales_order')
      assert.equal(fact?.sales_staff_id, 2)
    } finally {
      await s.cleanup()
    }
  })
})
