/**
 * verify as an operator meets it, on the real snapshot and both kinds of PostgreSQL: counts that explain
 * themselves, rows held in quarantine said (not silent, not a difference), a source column renamed
 * reported for that table while the others are checked, an unreachable source named (exit 2), a version
 * the at-least-once lake holds twice not taken for a difference, and damage reported with its cause, its
 * repair and a path that keeps its slash. The CLI runs (exit codes, --json) are on the server.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { memoryLog } from '../../src/log.ts'
import { type PipelineDeps, runPipelineOnce } from '../../src/service/pipeline.ts'
import { runVerify, type VerifyDeps } from '../../src/verify/run-verify.ts'
import { toVerifyText } from '../../src/verify/to-verify-text.ts'
import { CLI } from '../support/cli.ts'
import { DATABASE_KINDS, type TestDatabase } from '../support/databases.ts'
import {
  createLoadedSnapshot,
  LOADED_SNAPSHOT_LAG_MS,
  type LoadedSnapshot,
} from '../support/loaded-snapshot.ts'

const LAG_MS = LOADED_SNAPSHOT_LAG_MS
const main = CLI

for (const kind of DATABASE_KINDS) {
  describe(`verify explains itself on ${kind} PostgreSQL`, () => {
    let source: TestDatabase | undefined
    let warehouse: TestDatabase | undefined
    let ingestion: LoadedSnapshot['ingestion']
    let processed: LoadedSnapshot['processed']
    let deps: PipelineDeps
    const verify = (over: Partial<VerifyDeps> = {}) =>
      runVerify({
        source: source!.db,
        warehouse: warehouse!.db,
        ingestion: ingestion.store,
        processed: processed.store,
        purchaseFactTable: 'fact_purchase_orders',
        lagMs: LAG_MS,
        ...over,
      })
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [
          main,
          ...args,
          '--ingestion-store',
          ingestion.dir,
          '--processed-store',
          processed.dir,
          '--warehouse-db-url',
          warehouse!.url,
        ],
        { encoding: 'utf8', timeout: 300_000, env: { ...process.env, LOG_LEVEL: 'error' } },
      )

    let loaded: LoadedSnapshot | undefined
    before(async () => {
      loaded = await createLoadedSnapshot(kind)
      if (!loaded) return
      ;({ source, warehouse, ingestion, processed } = loaded)
      deps = {
        source: async () => source!.db,
        warehouse: async () => warehouse!.db,
        ingestion: ingestion.store,
        processed: processed.store,
        log: memoryLog(),
        lagMs: LAG_MS,
        purchaseFactTable: 'fact_purchase_orders',
      }
    })
    after(() => loaded?.drop())

    it('counts each layer comparably and says what each count means (dim_staff processed = warehouse)', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      // A department moves: its staff are written again, so the processed store holds their rows twice.
      await source.db.exec(
        "UPDATE department SET location = 'Leeds', last_updated = localtimestamp(3) WHERE department_id IN (1, 2)",
      )
      await runPipelineOnce(deps)
      const report = await verify()
      assert.equal(report.verdict, 'clean', report.problems.join('\n'))
      assert.equal(report.exitCode, 0)
      const staff = report.tables.find((x) => x.table === 'dim_staff')!
      assert.deepEqual(staff.counts, {
        source: 20,
        lake: 20,
        processed: 20,
        warehouse: 20,
        lag: 0,
        pending: 0,
        quarantined: 0,
      })
      const payments = report.tables.find((x) => x.table === 'fact_payment')!.counts
      assert.deepEqual([payments.source, payments.processed, payments.warehouse], [9899, 9899, 9899])
      const text = toVerifyText(report)
      assert.match(text, /^dim_staff +20 +20 +20 +20 +0 +0 +0 +clean$/m)
      assert.match(text, /processed +distinct keys in the loaded processed batches/)
      assert.match(text, /warehouse +rows of the table: a dimension's current rows, a fact's versions/)
      assert.match(text, /quarantine: nothing held \(.*\/_quarantine\/\)/)
      assert.match(text, /verify: clean: /)
    })

    it('says how many rows quarantine holds and where, and does not count them as differences', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      await source.db.exec(`
        UPDATE sales_order SET agreed_payment_date = 'soon', last_updated = '2024-03-01 09:00:00'
          WHERE sales_order_id = 5;
        UPDATE sales_order SET units_sold = units_sold + 1, last_updated = '2024-03-01 09:00:00'
          WHERE sales_order_id = 6;`)
      await runPipelineOnce(deps)
      const report = await verify()
      assert.equal(report.verdict, 'clean', report.problems.join('\n'))
      assert.equal(report.quarantine.rows, 1)
      assert.equal(report.quarantine.tables[0]?.table, 'sales_order')
      assert.match(
        report.quarantine.tables[0]?.where[0] ?? '',
        /\/_quarantine\/\d{10}\/sales_order\/.+\.json$/,
      )
      assert.match(report.quarantine.tables[0]?.reasons[0]?.reason ?? '', /agreed_payment_date/)
      const sales = report.tables.find((x) => x.table === 'fact_sales_order')!
      assert.equal(sales.counts.quarantined, 1)
      assert.equal(sales.verdict, 'clean')
      const text = toVerifyText(report)
      assert.match(text, /quarantine: 1 row\(s\) held in 1 entry under .*_quarantine\//)
      assert.match(text, /verify: clean: .*; 1 row\(s\) held in quarantine, listed above/)
    })

    it('reports a renamed source column for that table (not checked, with the reason) and checks the rest', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      await source.db.exec('ALTER TABLE design RENAME COLUMN file_location TO file_path')
      try {
        const report = await verify()
        const design = report.tables.find((x) => x.table === 'dim_design')!
        assert.equal(design.verdict, 'could_not_check')
        assert.match(design.reason ?? '', /file_location.*does not exist/)
        assert.deepEqual(
          report.tables.filter((x) => x.verdict !== 'clean').map((x) => x.table),
          ['dim_design'],
        )
        assert.equal(report.verdict, 'could_not_check')
        assert.equal(report.exitCode, 2)
        assert.match(report.problems.join('\n'), /dim_design: could not check: the source no longer matches/)
        if (kind === 'server') {
          const run = cli('verify', '--json', '--totesys-db-url', source.url)
          assert.equal(run.status, 2, run.stderr)
          const json = JSON.parse(run.stdout) as {
            format: string
            verdict: string
            tables: { table: string; verdict: string; reason: string | null }[]
          }
          assert.equal(json.format, 'totesys-etl.verify/1')
          assert.equal(json.verdict, 'could_not_check')
          assert.match(json.tables.find((x) => x.table === 'dim_design')?.reason ?? '', /file_location/)
          assert.equal(json.tables.find((x) => x.table === 'fact_payment')?.verdict, 'clean')
        }
      } finally {
        await source.db.exec('ALTER TABLE design RENAME COLUMN file_path TO file_location')
      }
    })

    it('names an unreachable source, exits 2, and still checks the lake against the warehouse', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      const nowhere = new PgDatabase('postgres://postgres@127.0.0.1:1/nowhere')
      try {
        const report = await verify({ source: nowhere })
        assert.equal(report.verdict, 'could_not_check')
        assert.equal(report.exitCode, 2)
        assert.deepEqual(
          report.unavailable.map((u) => [u.system, u.description]),
          [['source', 'postgres://postgres@127.0.0.1:1/nowhere']],
        )
        assert.match(report.unavailable[0]?.reason ?? '', /ECONNREFUSED|connect/)
        const payments = report.tables.find((x) => x.table === 'fact_payment')!
        assert.equal(payments.counts.source, null, 'unknown is not zero')
        assert.equal(payments.counts.warehouse, 9899)
        assert.equal(payments.counts.processed, payments.counts.warehouse)
        assert.match(
          toVerifyText(report),
          /could not read:\n {2}✗ the source \(postgres:\/\/postgres@127\.0\.0\.1:1\/nowhere\)/,
        )
      } finally {
        await nowhere.close()
      }
      if (kind === 'server') {
        const run = cli('verify', '--totesys-db-url', 'postgres://postgres@127.0.0.1:1/nowhere')
        assert.equal(run.status, 2, run.stdout + run.stderr)
        assert.match(run.stdout, /verify: could not check everything: the source could not be read/)
        assert.match(run.stdout, /127\.0\.0\.1:1/)
      }
    })

    it('does not take a version the lake holds twice (EXTRACT_LAG narrowed, then widened) for a difference', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      await source.db.exec(
        "UPDATE payment SET paid = NOT paid, last_updated = '2024-03-02 10:00:00' WHERE payment_id = 7",
      )
      await runPipelineOnce(deps)
      await source.db.exec(
        "UPDATE payment SET paid = NOT paid, last_updated = '2024-03-02 10:00:30' WHERE payment_id = 8",
      )
      await runPipelineOnce({ ...deps, lagMs: 0 })
      // Widened again: payment 7's version is inside the window and not in the narrow edge: read again.
      await runPipelineOnce({ ...deps, lagMs: 86_400_000 })
      const report = await verify()
      const payment = report.sourceTables.find((s) => s.table === 'payment')!
      assert.ok((payment.lakeRepeats ?? 0) >= 1, `payment repeats: ${payment.lakeRepeats}`)
      assert.equal(payment.lakeVersions, (payment.lakeRows ?? 0) - (payment.lakeRepeats ?? 0))
      assert.equal(report.tables.find((x) => x.table === 'fact_payment')?.counts.lake, payment.lakeVersions)
      // A version twice in the processed store is a transform defect, and only that may be reported.
      assert.deepEqual(
        report.differences.filter((d) => d.kind !== 'processed_duplicate').map((d) => d.message),
        [],
      )
    })

    it('reports damage with its cause and repair, and paths that keep their slash (exit 1)', async (t) => {
      if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
      await warehouse.db.exec(`
        DELETE FROM fact_sales_order WHERE sales_order_id = 10;
        UPDATE dim_design SET design_name = 'tampered' WHERE design_id = 5;`)
      const [currencyFile] = (await ingestion.store.list('currency/')).filter((k) => k.endsWith('.csv.gz'))
      const bytes = (await ingestion.store.get(currencyFile!))!
      await ingestion.store.put(currencyFile!, new Uint8Array([...bytes.slice(0, -1), bytes.at(-1)! ^ 1]))
      const report = await verify()
      assert.equal(report.verdict, 'differences')
      assert.equal(report.exitCode, 1)
      const find = (kind: string, table: string) =>
        report.differences.find((d) => d.kind === kind && d.table === table)
      const missing = find('missing', 'fact_sales_order')
      assert.match(missing?.message ?? '', /fact_sales_order: 1 expected row\(s\) missing: 10\|/)
      assert.match(missing?.cause ?? '', /deleted from the warehouse outside the pipeline/)
      assert.match(missing?.repair ?? '', /Rebuild from the processed store/)
      assert.match(
        find('not_loaded', 'fact_sales_order')?.message ?? '',
        /lake version\(s\) not in the warehouse: 10\|/,
      )
      const stale = find('stale', 'dim_design')
      assert.match(stale?.message ?? '', /dim_design: 1 row\(s\) differ from the source: 5 \(design_name\)/)
      assert.match(stale?.cause ?? '', /processed store agrees with the source/)
      const file = find('file', 'lake')
      assert.ok(file?.keys[0]?.startsWith(`${ingestion.dir}/currency/`), file?.keys[0])
      if (kind === 'server') {
        const run = cli('verify', '--totesys-db-url', source.url)
        assert.equal(run.status, 1, run.stderr)
        assert.match(
          run.stdout,
          /✗ fact_sales_order: 1 expected row\(s\) missing: 10\|.*\n +cause: +.*\n +repair: +/,
        )
        assert.match(run.stdout, /verify: \d+ difference\(s\)/)
      }
    })
  })
}
