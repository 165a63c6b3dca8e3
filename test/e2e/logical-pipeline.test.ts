/**
 * The pipeline end to end with EXTRACT_MODE=logical on the real server: the slot's snapshot and then the
 * log go through the same transform and load as cursor mode; a deleted source row is recorded in
 * etl.source_deletes, and verify is clean. Skipped with the reason where the server is not logical.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { memoryLog } from '../../src/log.ts'
import { type PipelineDeps, runPipelineOnce } from '../../src/service/pipeline.ts'
import { runStatus } from '../../src/service/run-status.ts'
import { toStatusText } from '../../src/service/to-status-text.ts'
import { runVerify } from '../../src/verify/run-verify.ts'
import { createServerDatabase, type TestDatabase } from '../support/databases.ts'
import { createLogicalSource, type LogicalSource } from '../support/logical-source.ts'
import { createTempStore } from '../support/source-fixture.ts'

const LAG_MS = 120_000

describe('the pipeline end to end in logical mode', () => {
  let source: LogicalSource | undefined
  let warehouse: TestDatabase | undefined
  let why = ''
  const stores: { remove(): Promise<void> }[] = []
  let deps: PipelineDeps
  const verify = () =>
    runVerify({
      source: source!.db,
      warehouse: warehouse!.db,
      ingestion: deps.ingestion,
      processed: deps.processed,
      purchaseFactTable: 'fact_purchase_orders',
      lagMs: LAG_MS,
    })

  before(async () => {
    const made = await createLogicalSource()
    if (typeof made === 'string') {
      why = made
      return
    }
    source = made
    warehouse = await createServerDatabase()
    const ingestion = await createTempStore()
    const processed = await createTempStore()
    stores.push(ingestion, processed)
    deps = {
      source: async () => made.db,
      warehouse: async () => warehouse!.db,
      ingestion: ingestion.store,
      processed: processed.store,
      log: memoryLog(),
      lagMs: LAG_MS,
      purchaseFactTable: 'fact_purchase_orders',
      logical: { slot: made.slot, publication: made.slot, walAlertBytes: 1024 ** 3, sourceUrl: made.url },
    }
    await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
  })
  after(async () => {
    await source?.drop()
    await warehouse?.drop()
    for (const s of stores) await s.remove()
  })

  it('loads the snapshot and the log, records a delete, and verify is clean', async (t) => {
    if (!source || !warehouse) return t.skip(why)
    const first = await runPipelineOnce(deps)
    assert.equal(first.extract.batchId, '0000000001')
    let report = await verify()
    assert.deepEqual(report.problems, [])
    assert.equal(report.warehouseRows.fact_payment, 9899)

    // The application: a payment paid twice over in two transactions, an address changed, a new
    // currency added and removed, and a design deleted (a dimension row the facts may still point at).
    const db = source.db
    await db.exec(`UPDATE payment SET paid = true, last_updated = localtimestamp(3) WHERE payment_id = 2`)
    await db.exec(`
      BEGIN;
      UPDATE payment SET paid = false, last_updated = localtimestamp(3) + interval '1 ms' WHERE payment_id = 2;
      UPDATE address SET address_line_1 = '1 New Street', last_updated = localtimestamp(3)
        WHERE address_id = (SELECT legal_address_id FROM counterparty WHERE counterparty_id = 1);
      INSERT INTO design (design_id, created_at, design_name, file_location, file_name, last_updated)
        VALUES (9000, localtimestamp(3), 'Gone', '/x', 'gone.json', localtimestamp(3));
      COMMIT;`)
    await db.exec('DELETE FROM design WHERE design_id = 9000')
    const second = await runPipelineOnce(deps)
    assert.equal(second.extract.outcome, 'committed')
    assert.equal(second.load.loaded.length, second.extract.batches.length)

    const history = await warehouse.db.query<{ paid: boolean }>(
      'SELECT paid FROM fact_payment WHERE payment_id = 2 ORDER BY last_updated_date, last_updated_time',
    )
    assert.deepEqual(
      history.map((r) => r.paid),
      [false, true, false],
    )
    const deletes = await warehouse.db.query<{ source_table: string; source_key: number }>(
      'SELECT source_table, source_key FROM etl.source_deletes',
    )
    assert.deepEqual(deletes, [{ source_table: 'design', source_key: 9000 }])
    const [design] = await warehouse.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM dim_design WHERE design_id = 9000',
    )
    assert.equal(design?.n, 1, 'the dimension row stays (facts may point at it)')
    const status = await runStatus({
      ingestion: deps.ingestion,
      processed: deps.processed,
      warehouse: async () => warehouse!.db,
      warehouseDescription: 'warehouse',
      purchaseFactTable: 'fact_purchase_orders',
    })
    assert.deepEqual(status.warehouse?.sourceDeletes, { design: 1 }, 'status shows the recorded delete')
    assert.match(toStatusText(status), /^source deletes 1 /m)
    report = await verify()
    assert.deepEqual(report.problems, [])
    assert.equal(report.clean, true)

    const idle = await runPipelineOnce(deps)
    assert.equal(idle.extract.outcome, 'no-changes')
    assert.equal(idle.load.loaded.length, 0)
  })
})
