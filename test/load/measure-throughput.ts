/**
 * Measures the load's throughput on a large batch against a plain COPY of the same rows into the same
 * table, on the real server: `node --import tsx test/load/measure-throughput.ts [rows]`. Not a test (no
 * timing assertions); prints one JSON line per measurement.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { manifestKey } from '../../src/core/batch-id.ts'
import { PROCESSED_MANIFEST } from '../../src/core/manifests/processed.ts'
import { WAREHOUSE_CATALOGUE } from '../../src/core/warehouse-catalogue.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import { getText } from '../../src/io/object-store.ts'
import { openParquetToCsv } from '../../src/io/parquet-to-csv.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { runResetWarehouse } from '../../src/load/run-reset-warehouse.ts'
import { memoryLog } from '../../src/log.ts'
import { createServerDatabase } from '../support/databases.ts'
import { largeSalesBatch, writeProcessedBatch } from '../support/processed-fixture.ts'

const rows = Number(process.argv[2] ?? 1_000_000)
const test = await createServerDatabase()
const dir = await mkdtemp(join(tmpdir(), 'measure-load-'))
const store = new FolderStore(join(dir, 'store'))
const pft = 'fact_purchase_orders' as const
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000)
try {
  let t = performance.now()
  await writeProcessedBatch(store, largeSalesBatch('0000000001', rows))
  console.log(JSON.stringify({ step: 'fixture written', rows, ms: Math.round(performance.now() - t) }))

  for (const round of [1, 2]) {
    await runResetWarehouse(test.db)
    await runInitWarehouse(test.db, { purchaseFactTable: pft })
    const log = memoryLog()
    t = performance.now()
    await runLoad({
      warehouse: test.db,
      processed: store,
      log,
      purchaseFactTable: pft,
      faults: (point) => {
        console.log(JSON.stringify({ point, ms: Math.round(performance.now() - t) }))
      },
    })
    const ms = performance.now() - t
    console.log(
      JSON.stringify({
        step: 'runLoad (sha256 + parquet->csv + COPY staging + merge)',
        round,
        rows,
        ms: Math.round(ms),
        rowsPerSecond: rate(rows, ms),
      }),
    )
  }

  // The baseline: the same rows, as CSV made by the same converter, COPYed straight into the fact table.
  const manifest = PROCESSED_MANIFEST.parse(
    (await getText(store, manifestKey('0000000001'))) ?? '',
    'processed manifest',
  )
  const entry = manifest.tables.find((e) => e.table === 'fact_sales_order')
  const scratch = await openParquetToCsv(dir)
  const csv = join(scratch.dir, 'facts.csv')
  const columns = WAREHOUSE_CATALOGUE.fact_sales_order.columns.map((c) => c.name)
  t = performance.now()
  await scratch.toCsv(await store.toLocalFile(entry?.key ?? ''), columns, csv)
  console.log(JSON.stringify({ step: 'parquet -> csv alone', rows, ms: Math.round(performance.now() - t) }))
  for (const round of [1, 2]) {
    await test.db.exec('TRUNCATE fact_sales_order')
    t = performance.now()
    await test.db.copyIn(
      `COPY fact_sales_order (${columns.join(', ')}) FROM STDIN (FORMAT csv)`,
      scratch.open(csv),
    )
    const ms = performance.now() - t
    console.log(
      JSON.stringify({
        step: 'plain COPY into fact_sales_order (FKs, PK, version index)',
        round,
        rows,
        ms: Math.round(ms),
        rowsPerSecond: rate(rows, ms),
      }),
    )
  }
  // Context: the same COPY into a copy of the table without its constraints (no FK checks).
  await test.db.exec('CREATE TABLE fact_sales_order_bare (LIKE fact_sales_order INCLUDING DEFAULTS)')
  t = performance.now()
  await test.db.copyIn(
    `COPY fact_sales_order_bare (${columns.join(', ')}) FROM STDIN (FORMAT csv)`,
    scratch.open(csv),
  )
  const bare = performance.now() - t
  console.log(
    JSON.stringify({
      step: 'plain COPY into the same columns without constraints',
      rows,
      ms: Math.round(bare),
      rowsPerSecond: rate(rows, bare),
    }),
  )
  await scratch.close()
} finally {
  await test.drop()
  await rm(dir, { recursive: true, force: true })
}
