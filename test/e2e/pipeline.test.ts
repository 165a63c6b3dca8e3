/**
 * The whole pipeline on the real snapshot, as an operator runs it: run, change the source the way the
 * application does, run again, verify; then rebuild the warehouse from the lake, and break it on purpose.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { runResetWarehouse } from '../../src/load/run-reset-warehouse.ts'
import { memoryLog } from '../../src/log.ts'
import { type PipelineDeps, runPipelineOnce } from '../../src/service/pipeline.ts'
import { runVerify, type VerifyReport } from '../../src/verify/run-verify.ts'
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import { createSnapshotSource, createTempStore } from '../support/source-fixture.ts'

const LAG_MS = 120_000

for (const kind of DATABASE_KINDS) {
  describe(`the pipeline end to end on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    let warehouse: TestDatabase | undefined
    const stores: { remove(): Promise<void> }[] = []
    let deps: PipelineDeps
    const verify = (): Promise<VerifyReport> =>
      runVerify({
        source: source!.db,
        warehouse: warehouse!.db,
        ingestion: deps.ingestion,
        processed: deps.processed,
        purchaseFactTable: 'fact_purchase_orders',
        lagMs: LAG_MS,
      })

    before(async () => {
      source = await createSnapshotSource(kind)
      warehouse = await createTestDatabase(kind)
      if (!source || !warehouse) return
      const ingestion = await createTempStore()
      const processed = await createTempStore()
      stores.push(ingestion, processed)
      deps = {
        source: async () => source!.db,
        warehouse: async () => warehouse!.db,
        ingestion: ingestion.store,
        processed: processed.store,
        log: memoryLog(),
        lagMs: LAG_MS,
        purchaseFactTable: 'fact_purchase_orders',
      }
      await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
    })
    after(async () => {
      await source?.drop()
      await warehouse?.drop()
      for (const s of stores) await s.remove()
    })

    it('loads the snapshot, follows updates, and verify calls it clean with the full fact history', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const first = await runPipelineOnce(deps)
      assert.equal(first.extract.batchId, '0000000001')
      assert.equal(first.load.loaded.length, 1)
      let report = await verify()
      assert.deepEqual(report.problems, [])
      assert.equal(report.warehouseRows.fact_payment, 9899)
      assert.equal(report.warehouseRows.dim_counterparty, 20)

      // The application: two payments paid, an address behind a counterparty, a department moved.
      const db = source.db
      await db.exec(`
        UPDATE payment SET paid = true, last_updated = localtimestamp(3) WHERE payment_id IN (2, 3);
        UPDATE address SET address_line_1 = '1 New Street', last_updated = localtimestamp(3)
          WHERE address_id = (SELECT legal_address_id FROM counterparty WHERE counterparty_id = 1);
        UPDATE department SET location = 'Leeds', last_updated = localtimestamp(3) WHERE department_id = 4;`)
      const second = await runPipelineOnce(deps)
      assert.equal(second.extract.batchId, '0000000002')
      report = await verify()
      assert.deepEqual(report.problems, [])

      const history = await warehouse.db.query<{ payment_id: number; paid: boolean }>(
        'SELECT payment_id, paid FROM fact_payment WHERE payment_id IN (2, 3) ORDER BY payment_id, last_updated_date, last_updated_time',
      )
      assert.deepEqual(
        history.map((r) => `${r.payment_id}:${r.paid}`),
        ['2:false', '2:true', '3:false', '3:true'],
      )
      const [cp] = await warehouse.db.query<{ line: string }>(
        'SELECT counterparty_legal_address_line_1 AS line FROM dim_counterparty WHERE counterparty_id = 1',
      )
      assert.equal(cp?.line, '1 New Street')
      const [dept] = await db.query<{ name: string }>(
        'SELECT department_name AS name FROM department WHERE department_id = 4',
      )
      const staff = await warehouse.db.query<{ location: string }>(
        'SELECT DISTINCT location FROM dim_staff WHERE department_name = $1',
        [dept?.name],
      )
      assert.deepEqual(
        staff.map((r) => r.location),
        ['Leeds'],
      )

      // An idle run changes nothing and verify stays clean.
      const idle = await runPipelineOnce(deps)
      assert.equal(idle.extract.outcome, 'no-changes')
      assert.equal(idle.load.loaded.length, 0)
      assert.equal((await verify()).clean, true)
    })

    it('rebuilds the identical warehouse from the lake', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const snapshot = async () => {
        const out: Record<string, string> = {}
        for (const table of [
          'dim_counterparty',
          'dim_staff',
          'dim_date',
          'fact_payment',
          'fact_sales_order',
        ]) {
          const rows = await warehouse!.db.query<{ h: string }>(
            `SELECT md5(string_agg(r, E'\\n' ORDER BY r)) AS h FROM (SELECT (to_jsonb(t) - 'payment_record_id' - 'sales_record_id')::text AS r FROM ${table} t) x`,
          )
          out[table] = rows[0]?.h ?? ''
        }
        return out
      }
      const before = await snapshot()
      await runResetWarehouse(warehouse.db)
      await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
      await runPipelineOnce(deps)
      assert.deepEqual(await snapshot(), before)
      assert.equal((await verify()).clean, true)
    })

    it('catches a missing fact, a duplicated fact and a stale dimension', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      await warehouse.db.exec(`
        DELETE FROM fact_sales_order WHERE sales_order_id = 10;
        INSERT INTO fact_payment (payment_id, created_date, created_time, last_updated_date, last_updated_time,
            transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id, paid, payment_date)
          SELECT payment_id, created_date, created_time, last_updated_date, last_updated_time, transaction_id,
            counterparty_id, payment_amount, currency_id, payment_type_id, paid, payment_date
          FROM fact_payment WHERE payment_id = 20;
        UPDATE dim_design SET design_name = 'tampered' WHERE design_id = 5;`)
      const report = await verify()
      assert.equal(report.clean, false)
      const text = report.problems.join('\n')
      assert.match(text, /fact_sales_order: 1 expected row\(s\) missing: 10\|/)
      assert.match(text, /fact_sales_order: 1 lake version\(s\) not in the warehouse: 10\|/)
      assert.match(text, /fact_payment: 1 key\(s\) present more than once: 20\|.* ×2/)
      assert.match(text, /dim_design: 1 row\(s\) differ from the source: 5 \(design_name\)/)
    })
  })
}
