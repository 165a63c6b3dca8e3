/**
 * Throughput and peak RSS of the transform on a big synthetic batch (not part of the test suite):
 *   npx tsx test/transform/big-batch.bench.ts [rows]
 * Generates N sales_order rows (gzip'd COPY CSV, streamed), plus the snapshot-sized lookups, transforms.
 */
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { memoryLog } from '../../src/log.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { aLookupBatch, writeIngestionBatch } from '../support/ingestion-fixture.ts'
import { tempStores } from './support.ts'

const rows = Number(process.argv[2] ?? 1_000_000)
const s = await tempStores()
const path = join(s.dir, 'sales_order.csv.gz')
function* lines(): Generator<string> {
  yield 'sales_order_id,created_at,last_updated,design_id,staff_id,counterparty_id,units_sold,unit_price,currency_id,agreed_delivery_date,agreed_payment_date,agreed_delivery_location_id\n'
  let chunk = ''
  for (let i = 1; i <= rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0')
    const ms = String(i % 1000).padStart(3, '0')
    chunk += `${i},2024-02-${day} 10:15:00.${ms},2024-02-${day} 11:15:00.${ms},1,1,1,${i % 1000},${i % 100000}.${String(i % 100).padStart(2, '0')},1,2024-03-${day},2024-03-${day},1\n`
    if (i % 10000 === 0) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk) yield chunk
}
await pipeline(Readable.from(lines()), createGzip(), createWriteStream(path))
await writeIngestionBatch(s.ingestion, {
  tables: { ...aLookupBatch(), sales_order: { csvGzPath: path, rowCount: rows } },
})
const baseline = process.memoryUsage().rss
let peak = baseline
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss)
}, 50)
const started = performance.now()
const result = await runTransform({ ...s, log: memoryLog() })
const seconds = (performance.now() - started) / 1000
clearInterval(timer)
peak = Math.max(peak, process.memoryUsage().rss)
console.log(
  JSON.stringify({
    rows,
    facts: result.batches[0]?.rows.fact_sales_order,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(rows / seconds),
    baselineRssMb: Math.round(baseline / 2 ** 20),
    peakRssMb: Math.round(peak / 2 ** 20),
  }),
)
await s.cleanup()
