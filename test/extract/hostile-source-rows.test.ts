/**
 * Source rows that a real database can hold but the pipeline was not built for (issue 12): a stamp of
 * `infinity`, a stamp in the future, values the warehouse cannot hold. After each, a later ordinary
 * change to another row of the same table reaches the warehouse and verify is clean or reports exactly
 * the quarantined rows. Runs extract → transform → load → verify on PGlite and the local server.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runListIngestionBatches, runReadIngestionManifest } from '../../src/extract/ingestion-batches.ts'
import { type LogEntry, memoryLog } from '../../src/log.ts'
import { type PipelineDeps, runPipelineOnce } from '../../src/service/pipeline.ts'
import { runListQuarantine } from '../../src/transform/quarantine-store.ts'
import { runAcceptSchema } from '../../src/transform/run-accept-schema.ts'
import { runReplay } from '../../src/transform/run-replay.ts'
import { runVerify, type VerifyReport } from '../../src/verify/run-verify.ts'
import { DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import {
  createLoadedSnapshot,
  LOADED_SNAPSHOT_LAG_MS,
  type LoadedSnapshot,
} from '../support/loaded-snapshot.ts'

const LAG_MS = LOADED_SNAPSHOT_LAG_MS

for (const kind of DATABASE_KINDS) {
  describe(`hostile source rows on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    let warehouse: TestDatabase | undefined
    let deps: PipelineDeps
    let log: ReturnType<typeof memoryLog>
    const verify = (): Promise<VerifyReport> =>
      runVerify({
        source: source!.db,
        warehouse: warehouse!.db,
        ingestion: deps.ingestion,
        processed: deps.processed,
        purchaseFactTable: 'fact_purchase_orders',
        lagMs: LAG_MS,
      })
    const alerts = (): LogEntry[] => log.entries.filter((e) => e.level === 'alert')
    /** Runs the pipeline; the manifests it committed must all parse. */
    const run = async () => {
      const result = await runPipelineOnce(deps)
      for (const id of await runListIngestionBatches(deps.ingestion))
        await runReadIngestionManifest(deps.ingestion, id)
      return result
    }
    /** An ordinary change to a row, stamped by the source's clock as the application does. */
    const touch = (table: string, pk: string, id: number, set: string) =>
      source!.db.exec(
        `UPDATE ${table} SET ${set}, last_updated = localtimestamp(3) - interval '1 second' WHERE ${pk} = ${id}`,
      )
    const factVersions = async (table: string, pk: string, id: number) =>
      (
        await warehouse!.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${pk} = $1`, [
          id,
        ])
      )[0]?.n
    const heldRows = async (table: string) =>
      (await runListQuarantine(deps.ingestion))
        .filter((e) => e.table === table && e.replayedIn === null)
        .reduce((n, e) => n + e.rows, 0)
    /** Verify is clean, or its only finding is the rows held in quarantine. */
    const assertVerifyHoldsOnly = async (held: Record<string, number>) => {
      const report = await verify()
      assert.deepEqual(report.problems, [], JSON.stringify(report.differences, null, 1))
      assert.equal(report.verdict, 'clean')
      assert.deepEqual(
        Object.fromEntries(report.quarantine.tables.map((t) => [t.table, t.rows])),
        held,
        JSON.stringify(report.quarantine, null, 1),
      )
    }

    let loaded: LoadedSnapshot | undefined
    before(async () => {
      loaded = await createLoadedSnapshot(kind)
      if (!loaded) return
      ;({ source, warehouse } = loaded)
      log = memoryLog()
      deps = {
        source: async () => source!.db,
        warehouse: async () => warehouse!.db,
        ingestion: loaded.ingestion.store,
        processed: loaded.processed.store,
        log,
        lagMs: LAG_MS,
        purchaseFactTable: 'fact_purchase_orders',
      }
    })
    after(() => loaded?.drop())

    it('a row stamped infinity is held in quarantine with its reason, once; the table goes on', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const before = alerts().length
      await source.db.exec(`UPDATE payment SET last_updated = 'infinity' WHERE payment_id = 6`)
      const first = await run()
      const second = await run()
      assert.equal(first.extract.rows.payment, 1)
      assert.equal(second.extract.outcome, 'no-changes', 'the same version is not extracted again')
      assert.equal(await heldRows('payment'), 1)
      const held = (await runListQuarantine(deps.ingestion)).find((e) => e.table === 'payment')
      assert.match(held?.reason ?? '', /last_updated/)
      assert.ok(alerts().length > before, 'an alert fired')

      await touch('payment', 'payment_id', 7, 'paid = NOT paid')
      const third = await run()
      assert.equal(third.extract.rows.payment, 1)
      assert.equal(await factVersions('fact_payment', 'payment_id', 7), 2)
      await assertVerifyHoldsOnly({ payment: 1 })

      // The row leaves infinity: that is a new version, extracted and loaded like any other.
      await touch('payment', 'payment_id', 6, 'paid = NOT paid')
      const fourth = await run()
      assert.equal(fourth.extract.rows.payment, 1)
      assert.equal(await factVersions('fact_payment', 'payment_id', 6), 2)
    })

    it('a row stamped -infinity or beyond year 9999 never breaks a manifest', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      await source.db.exec(
        `UPDATE payment SET last_updated = '10000-01-01 00:00:00' WHERE payment_id = 11;
         UPDATE payment SET last_updated = '-infinity' WHERE payment_id = 12;`,
      )
      const first = await run()
      const second = await run()
      assert.equal(first.extract.rows.payment, 2, 'each is read once, though -infinity is behind the cursor')
      assert.equal(second.extract.outcome, 'no-changes')
      await touch('payment', 'payment_id', 13, 'paid = NOT paid')
      await run()
      assert.equal(await factVersions('fact_payment', 'payment_id', 13), 2)
      await assertVerifyHoldsOnly({ payment: 3 })
    })

    it('a row stamped in the future is extracted once, alerts once, and does not freeze the cursor', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const before = alerts().length
      await source.db.exec(
        `UPDATE payment SET paid = NOT paid, last_updated = localtimestamp(3) + interval '1 day' WHERE payment_id = 8`,
      )
      const first = await run()
      assert.equal(first.extract.rows.payment, 1)
      const futureAlerts = alerts()
        .slice(before)
        .filter((a) => /future/.test(a.message))
      assert.equal(futureAlerts.length, 1, JSON.stringify(alerts().slice(before)))
      const again = await run()
      assert.equal(again.extract.outcome, 'no-changes')

      await touch('payment', 'payment_id', 9, 'paid = NOT paid')
      const third = await run()
      assert.equal(third.extract.rows.payment, 1, 'the ordinary change is extracted')
      assert.equal(await factVersions('fact_payment', 'payment_id', 9), 2)
      assert.equal(await factVersions('fact_payment', 'payment_id', 8), 2)
      const ids = await runListIngestionBatches(deps.ingestion)
      const last = await runReadIngestionManifest(deps.ingestion, ids.at(-1)!)
      assert.ok(
        (last.cursors.payment.hi ?? '') <= last.createdAt,
        `hi ${last.cursors.payment.hi} is not after the source's clock ${last.createdAt}`,
      )
      const watermarks = (await verify()).watermarks
      assert.ok(
        (watermarks.payment ?? '') <= last.createdAt,
        `watermark ${watermarks.payment} is in the future`,
      )
      await assertVerifyHoldsOnly({ payment: 3 })
    })

    it('values the warehouse cannot hold are held per row; other rows and tables carry on', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      // A NUL cannot be stored in PostgreSQL text at all: the source refuses it.
      await assert.rejects(
        source.db.exec(
          `UPDATE payment SET payment_date = E'2024-01-01\\x01' || chr(0) WHERE payment_id = 14`,
        ),
      )
      await source.db.exec(`
        ALTER TABLE sales_order ALTER COLUMN unit_price TYPE numeric(14,2);
        UPDATE payment SET payment_date = '0000-01-01', last_updated = localtimestamp(3) - interval '1 second'
          WHERE payment_id = 14;
        UPDATE payment SET payment_date = '10000-01-01', last_updated = localtimestamp(3) - interval '1 second'
          WHERE payment_id = 15;
        UPDATE payment SET payment_date = 'tomorrow', last_updated = localtimestamp(3) - interval '1 second'
          WHERE payment_id = 16;
        UPDATE sales_order SET unit_price = 123456789012.34, last_updated = localtimestamp(3) - interval '1 second'
          WHERE sales_order_id = 2;
        UPDATE sales_order SET units_sold = units_sold + 1, last_updated = localtimestamp(3) - interval '1 second'
          WHERE sales_order_id = 3;`)
      const first = await run()
      assert.equal(first.extract.rows.payment, 3)
      assert.equal(first.load.loaded.length, 1, 'the batch loads')
      assert.equal(await factVersions('fact_sales_order', 'sales_order_id', 3), 2)
      assert.equal(await heldRows('sales_order'), 1)

      await touch('payment', 'payment_id', 17, 'paid = NOT paid')
      await touch('sales_order', 'sales_order_id', 4, 'units_sold = units_sold + 1')
      await run()
      assert.equal(await factVersions('fact_payment', 'payment_id', 17), 2)
      assert.equal(await factVersions('fact_sales_order', 'sales_order_id', 4), 2)
      await assertVerifyHoldsOnly({ payment: 6, sales_order: 1 })
    })

    it('text where the contract has a number: the slice waits for schema accept, then the row is held alone', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      await source.db.exec(`
        ALTER TABLE purchase_order ALTER COLUMN item_quantity TYPE text;
        UPDATE purchase_order SET item_quantity = 'lots', last_updated = localtimestamp(3) - interval '1 second'
          WHERE purchase_order_id = 2;
        UPDATE purchase_order SET item_quantity = '7', last_updated = localtimestamp(3) - interval '1 second'
          WHERE purchase_order_id = 3;`)
      const before = alerts().length
      await run()
      assert.ok(
        alerts()
          .slice(before)
          .some((a) => /schema drift/.test(a.message)),
        'the drift alerts',
      )
      // What docs/OPERATIONS.md tells the operator to run: accept the new shape, replay the held slice.
      await runAcceptSchema(deps.ingestion, { table: 'purchase_order' })
      await runReplay({ ingestion: deps.ingestion, log }, {})
      await run()
      assert.equal(await factVersions('fact_purchase_orders', 'purchase_order_id', 3), 2)
      assert.equal(await factVersions('fact_purchase_orders', 'purchase_order_id', 2), 1)
      await touch('purchase_order', 'purchase_order_id', 4, "item_quantity = '5'")
      await run()
      assert.equal(await factVersions('fact_purchase_orders', 'purchase_order_id', 4), 2)
      const held = (await runListQuarantine(deps.ingestion)).filter(
        (e) => e.table === 'purchase_order' && e.replayedIn === null,
      )
      assert.deepEqual(
        held.map((e) => e.reason),
        ['invalid integer in item_quantity (1)'],
      )
      await assertVerifyHoldsOnly({ payment: 6, sales_order: 1, purchase_order: 1 })
    })
  })
}
