import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { manifestKey } from '../../src/core/batch-id.ts'
import { INGESTION_MANIFEST } from '../../src/core/manifests/ingestion.ts'
import { memoryLog } from '../../src/log.ts'
import { runListQuarantine } from '../../src/transform/quarantine-store.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import {
  aCounterparty,
  aDepartment,
  aLookupBatch,
  anAddress,
  aPayment,
  aPurchaseOrder,
  aSalesOrder,
  aStaff,
  catalogueColumns,
  toCopyCsv,
  writeIngestionBatch,
} from '../support/ingestion-fixture.ts'
import { processedManifest, processedRows, type Stores, tempStores } from './support.ts'

describe('runTransform on small batches', () => {
  let s: Stores
  before(async () => {
    s = await tempStores()
  })
  after(() => s.cleanup())

  it('lookup state keeps the latest version per key across batches: older loses, a tie goes to the newer batch', async () => {
    const stores = await tempStores()
    try {
      await writeIngestionBatch(stores.ingestion, {
        tables: { ...aLookupBatch(), staff: [aStaff(), aStaff({ staff_id: '2', first_name: 'Two' })] },
      })
      await writeIngestionBatch(stores.ingestion, {
        tables: {
          staff: [
            aStaff({ first_name: 'Replayed', last_updated: '2024-01-01 00:00:00' }),
            aStaff({ staff_id: '2', first_name: 'Tie' }),
            aStaff({ staff_id: '3', first_name: 'First', last_updated: '2024-02-21 09:00:00' }),
            aStaff({ staff_id: '3', first_name: 'Second', last_updated: '2024-02-22 09:00:00' }),
          ],
        },
      })
      // Batch 3 touches only the department, so dim_staff re-emits every staff member from the state.
      await writeIngestionBatch(stores.ingestion, {
        tables: {
          department: [aDepartment({ department_name: 'Renamed', last_updated: '2024-02-23 09:00:00' })],
        },
      })
      await runTransform({ ...stores, log: memoryLog() })
      const staff = await processedRows(stores.processed, '0000000003', 'dim_staff', 'staff_id')
      assert.deepEqual(
        staff.map((r) => [r.staff_id, r.first_name, r.department_name]),
        [
          [1, 'Jeremie', 'Renamed'],
          [2, 'Tie', 'Renamed'],
          [3, 'Second', 'Renamed'],
        ],
      )
    } finally {
      await stores.cleanup()
    }
  })

  it('keeps "" as an empty string and an unquoted empty field as NULL', async () => {
    const stores = await tempStores()
    try {
      await writeIngestionBatch(stores.ingestion, {
        tables: { address: [anAddress({ address_line_2: '', district: null })] },
      })
      await runTransform({ ...stores, log: memoryLog() })
      const [row] = await processedRows(stores.processed, '0000000001', 'dim_location')
      assert.equal(row?.address_line_2, '')
      assert.equal(row?.district, null)
    } finally {
      await stores.cleanup()
    }
  })

  it('writes every table of a consistent batch, splits timestamps keeping milliseconds, exact money', async () => {
    await writeIngestionBatch(s.ingestion, {
      tables: {
        ...aLookupBatch(),
        sales_order: [
          aSalesOrder(),
          aSalesOrder({ last_updated: '2024-02-22 08:00:00.1', unit_price: '99999999.99' }),
        ],
        purchase_order: [aPurchaseOrder()],
        payment: [aPayment()],
      },
    })
    const log = memoryLog()
    const result = await runTransform({ ...s, log })
    assert.equal(result.batches.length, 1)
    const [batch] = result.batches
    assert.equal(batch?.committed, true)
    assert.equal(batch?.quarantinedRows, 0)
    const sales = await processedRows(s.processed, '0000000001', 'fact_sales_order', 'last_updated_date')
    assert.deepEqual(
      sales.map((r) => [r.created_date, r.created_time, r.last_updated_time, r.unit_price, r.sales_staff_id]),
      [
        ['2024-02-21', '10:15:00.123', '10:15:00.123', '2.43', 1],
        ['2024-02-21', '10:15:00.123', '08:00:00.1', '99999999.99', 1],
      ],
    )
    const manifest = await processedManifest(s.processed, '0000000001')
    assert.equal(manifest.watermarks.sales_order, '2024-02-22 08:00:00.100')
    assert.equal(manifest.watermarks.address, '2024-02-20 09:00:00.000')
    const dates = await processedRows(s.processed, '0000000001', 'dim_date')
    // created 2024-02-21 … payment date 2024-02-28: contiguous.
    assert.deepEqual(
      dates.map((d) => d.date_id),
      [
        '2024-02-21',
        '2024-02-22',
        '2024-02-23',
        '2024-02-24',
        '2024-02-25',
        '2024-02-26',
        '2024-02-27',
        '2024-02-28',
      ],
    )
    const [currency] = await processedRows(s.processed, '0000000001', 'dim_currency')
    assert.deepEqual(currency, { currency_id: 1, currency_code: 'GBP', currency_name: 'Pound Sterling' })
  })

  it('running again writes nothing new', async () => {
    const before = await s.processed.list('')
    const result = await runTransform({ ...s, log: memoryLog() })
    assert.equal(result.batches.length, 0)
    assert.deepEqual(await s.processed.list(''), before)
  })

  it('an address change alone rewrites its dim_location row and every dim_counterparty row on it', async () => {
    await writeIngestionBatch(s.ingestion, {
      tables: {
        counterparty: [
          aCounterparty({
            counterparty_id: '2',
            counterparty_legal_name: 'Other Ltd',
            legal_address_id: '2',
          }),
        ],
        address: [anAddress({ address_id: '2', city: 'Leeds' })],
      },
    })
    await writeIngestionBatch(s.ingestion, {
      tables: { address: [anAddress({ city: 'York', last_updated: '2024-02-23 10:00:00.000' })] },
    })
    await runTransform({ ...s, log: memoryLog() })
    const locations = await processedRows(s.processed, '0000000003', 'dim_location')
    assert.deepEqual(
      locations.map((r) => [r.location_id, r.city]),
      [[1, 'York']],
    )
    const counterparties = await processedRows(s.processed, '0000000003', 'dim_counterparty')
    assert.deepEqual(
      counterparties.map((r) => [r.counterparty_id, r.counterparty_legal_name, r.counterparty_legal_city]),
      [[1, 'Fahey and Sons', 'York']],
    )
    const manifest = await processedManifest(s.processed, '0000000003')
    assert.equal(manifest.tables.find((t) => t.table === 'fact_sales_order')?.key, null)
    assert.equal(manifest.tables.find((t) => t.table === 'dim_date')?.rows, 0)
  })

  it('an empty batch still gets a processed manifest with every table at zero rows', async () => {
    await writeIngestionBatch(s.ingestion, { tables: {} })
    await runTransform({ ...s, log: memoryLog() })
    const manifest = await processedManifest(s.processed, '0000000004')
    assert.equal(manifest.tables.length, 11)
    assert.ok(manifest.tables.every((t) => t.rows === 0 && t.key === null))
  })

  it('a later batch extends dim_date with only the days it gained; the batches together are contiguous', async () => {
    await writeIngestionBatch(s.ingestion, {
      tables: { sales_order: [aSalesOrder({ sales_order_id: '9', agreed_delivery_date: '2024-03-02' })] },
    })
    await runTransform({ ...s, log: memoryLog() })
    const latest = await processedRows(s.processed, '0000000005', 'dim_date')
    assert.equal(latest.at(-1)?.date_id, '2024-03-02')
    assert.ok(latest.length > 0 && latest.length < 11, `only the days the range gained, not ${latest.length}`)
    const emitted: string[] = []
    for (const id of ['0000000001', '0000000002', '0000000003', '0000000004', '0000000005']) {
      for (const row of await processedRows(s.processed, id, 'dim_date')) emitted.push(String(row.date_id))
    }
    const days = [...new Set(emitted)].sort()
    assert.equal(emitted.length, days.length, 'no day emitted twice')
    const expected = Array.from({ length: 11 }, (_, i) =>
      new Date(Date.UTC(2024, 1, 21 + i)).toISOString().slice(0, 10),
    )
    assert.deepEqual(days, expected)
  })

  it('loses the race for a processed manifest gracefully: discards its own files', async () => {
    await writeIngestionBatch(s.ingestion, {
      tables: { sales_order: [aSalesOrder({ sales_order_id: '10' })] },
    })
    // Another run commits first: simulate by committing a manifest copy while ours is pending.
    const realCreate = s.processed.createIfAbsent.bind(s.processed)
    s.processed.createIfAbsent = async (key, body) => {
      if (key === '_manifests/0000000006.json') await realCreate(key, body)
      return realCreate(key, body)
    }
    try {
      const result = await runTransform({ ...s, log: memoryLog() })
      assert.equal(result.batches[0]?.committed, false)
      const manifest = await processedManifest(s.processed, '0000000006')
      for (const t of manifest.tables) if (t.key) assert.ok((await s.processed.get(t.key)) === undefined)
    } finally {
      s.processed.createIfAbsent = realCreate
    }
  })

  it('rejects a file whose row count disagrees with its manifest', async () => {
    const stores = await tempStores()
    try {
      const m = await writeIngestionBatch(stores.ingestion, { tables: { address: [anAddress()] } })
      const key = m.tables.find((t) => t.table === 'address')?.key ?? ''
      const empty = toCopyCsv(catalogueColumns('address'), [])
      await stores.ingestion.put(key, gzipSync(empty))
      // The file matches its manifest's checksum (else the integrity check refuses it first): only the
      // row count disagrees.
      const sha256 = createHash('sha256').update(empty).digest('hex')
      const tables = m.tables.map((t) => (t.key === key ? { ...t, sha256 } : t))
      await stores.ingestion.put(manifestKey(m.batchId), INGESTION_MANIFEST.serialise({ ...m, tables }))
      await assert.rejects(
        runTransform({ ...stores, log: memoryLog() }),
        /the file has 0 rows, the manifest says 1/,
      )
    } finally {
      await stores.cleanup()
    }
  })

  it('lists no quarantine for clean batches', async () => {
    assert.deepEqual(await runListQuarantine(s.ingestion), [])
  })
})
