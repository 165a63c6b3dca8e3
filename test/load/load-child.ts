/**
 * A loader in its own process, for the kill -9 test: `node --import tsx test/load/load-child.ts <url> <store>`.
 * Its connections carry application_name 'totesys-etl-kill-test' so the test can watch what it runs.
 */
import { FolderStore } from '../../src/io/folder-store.ts'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { runLoad } from '../../src/load/run-load.ts'
import { silentLog } from '../../src/log.ts'

const [url, storeDir] = process.argv.slice(2)
if (!url || !storeDir) throw new Error('usage: load-child.ts <warehouse-url> <store-dir>')
const warehouse = new PgDatabase(url, { applicationName: 'totesys-etl-kill-test' })
try {
  const result = await runLoad({
    warehouse,
    processed: new FolderStore(storeDir),
    log: silentLog,
    purchaseFactTable: 'fact_purchase_orders',
  })
  console.log(JSON.stringify({ loaded: result.loaded.map((b) => b.batchId) }))
} finally {
  await warehouse.close()
}
