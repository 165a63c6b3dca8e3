/**
 * The real snapshot taken through the pipeline once (`init`, then one extract → transform → load), the
 * starting point of several test files: a source, a warehouse and the two stores that go with it. Made
 * once per machine and kind (per content of sql/, data/ and src/) and copied for each file, instead of
 * each file paying for the first run again (3–4 CPU-seconds on PGlite, a second on the server). The
 * first run itself is tested where it is the subject (test/e2e/pipeline.test.ts, the CLI tests).
 *
 * A copy is what a fresh run would leave: the cursor is data (the newest `last_updated` read, see
 * ../shared/DESIGN-NOTES.md), not the time the copy was made, and the batch ids are sequence numbers.
 * The lake travels inside the warehouse template, in a table each copy reads and drops, so a warehouse
 * and its lake are always made together and can never be paired wrongly.
 */
import type { Database } from '../../src/io/database.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { memoryLog } from '../../src/log.ts'
import { runPipelineOnce } from '../../src/service/pipeline.ts'
import {
  createTestDatabase,
  type DatabaseKind,
  type DatabaseTemplate,
  type TestDatabase,
} from './databases.ts'
import { createSnapshotSource, createTempStore, SNAPSHOT_SOURCE } from './source-fixture.ts'

/** The extract lag of the first run (longer than any test's changes take to commit). */
export const LOADED_SNAPSHOT_LAG_MS = 120_000
const PURCHASE_FACT_TABLE = 'fact_purchase_orders'
const LAKE_TABLE = 'test_fixture_lake'
const STORES = ['ingestion', 'processed'] as const

type TempStore = Awaited<ReturnType<typeof createTempStore>>

export interface LoadedSnapshot {
  readonly source: TestDatabase
  readonly warehouse: TestDatabase
  readonly ingestion: TempStore
  readonly processed: TempStore
  drop(): Promise<void>
}

const templates = new Map<DatabaseKind, DatabaseTemplate>()

/** The warehouse after the first run, its lake in LAKE_TABLE; the run reads a source of the same kind. */
function loadedWarehouse(kind: DatabaseKind): DatabaseTemplate {
  let template = templates.get(kind)
  if (!template) {
    template = {
      name: 'loaded_snapshot',
      key: SNAPSHOT_SOURCE.key,
      fill: (warehouse) => runFirstRun(kind, warehouse),
    }
    templates.set(kind, template)
  }
  return template
}

async function runFirstRun(kind: DatabaseKind, warehouse: Database): Promise<void> {
  const source = await createSnapshotSource(kind)
  if (!source) throw new Error(`no ${kind} PostgreSQL for the loaded snapshot's source`)
  const stores = { ingestion: await createTempStore(), processed: await createTempStore() }
  try {
    await runInitWarehouse(warehouse, { purchaseFactTable: PURCHASE_FACT_TABLE })
    await runPipelineOnce({
      source: async () => source.db,
      warehouse: async () => warehouse,
      ingestion: stores.ingestion.store,
      processed: stores.processed.store,
      log: memoryLog(),
      lagMs: LOADED_SNAPSHOT_LAG_MS,
      purchaseFactTable: PURCHASE_FACT_TABLE,
    })
    await warehouse.exec(
      `CREATE TABLE ${LAKE_TABLE} (store text NOT NULL, key text NOT NULL, body bytea NOT NULL)`,
    )
    for (const name of STORES) {
      const { store } = stores[name]
      for (const key of await store.list(''))
        await warehouse.query(`INSERT INTO ${LAKE_TABLE} VALUES ($1, $2, $3)`, [
          name,
          key,
          await store.get(key),
        ])
    }
  } finally {
    await source.drop()
    for (const name of STORES) await stores[name].remove()
  }
}

/**
 * A copy of the loaded snapshot (source, warehouse, ingestion and processed stores, as one
 * `runInitWarehouse` + `runPipelineOnce` with lag LOADED_SNAPSHOT_LAG_MS and `fact_purchase_orders`
 * leave them); undefined when that kind of PostgreSQL is unavailable.
 */
export async function createLoadedSnapshot(kind: DatabaseKind): Promise<LoadedSnapshot | undefined> {
  const source = await createSnapshotSource(kind)
  if (!source) return undefined
  const warehouse = await createTestDatabase(kind, loadedWarehouse(kind))
  if (!warehouse) {
    await source.drop()
    return undefined
  }
  const ingestion = await createTempStore()
  const processed = await createTempStore()
  const stores = { ingestion, processed }
  const files = await warehouse.db.query<{ store: (typeof STORES)[number]; key: string; body: Uint8Array }>(
    `SELECT store, key, body FROM ${LAKE_TABLE}`,
  )
  for (const { store, key, body } of files) await stores[store].store.put(key, new Uint8Array(body))
  await warehouse.db.exec(`DROP TABLE ${LAKE_TABLE}`)
  return {
    source,
    warehouse,
    ingestion,
    processed,
    async drop() {
      await source.drop()
      await warehouse.drop()
      await ingestion.remove()
      await processed.remove()
    },
  }
}
