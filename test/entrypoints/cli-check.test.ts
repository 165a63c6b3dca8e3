/**
 * `check` against real systems: a seeded source and an initialised warehouse on the local server pass;
 * a wrong port, a missing database, an unwritable folder, an empty embedded database each fail with a
 * verdict that names the system and says why; the CLI prints one line each (or JSON) and exits 1.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { CheckReport } from '../../src/check/plan-check.ts'
import { runCheck } from '../../src/check/run-check.ts'
import { loadConfig, type Settings } from '../../src/config.ts'
import { makeDeps } from '../../src/entrypoints/make-deps.ts'
import { runInitWarehouse } from '../../src/load/run-init.ts'
import { silentLog } from '../../src/log.ts'
import { runSeed } from '../../src/simulator/run-seed.ts'
import { CLI } from '../support/cli.ts'
import { createServerDatabase, serverReachable, type TestDatabase } from '../support/databases.ts'

// Absolute: the CLI runs in another working directory (where a .env would be read).
const main = CLI

async function check(settings: Settings): Promise<CheckReport> {
  const deps = makeDeps(loadConfig(settings), silentLog)
  try {
    return await runCheck(deps, { timeoutMs: 60_000 })
  } finally {
    await deps.close()
  }
}
const verdicts = (report: CheckReport) =>
  Object.fromEntries(report.checks.map((c) => [c.system, { ok: c.ok, verdict: c.verdict }]))

describe('check', () => {
  let dir: string
  let source: TestDatabase | undefined
  let warehouse: TestDatabase | undefined
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-check-'))
    if (!(await serverReachable())) return
    source = await createServerDatabase()
    warehouse = await createServerDatabase()
    await runSeed(source.db, { kind: 'synthetic', scale: 0.01, seed: 1 }, { log: silentLog })
    await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
  })
  after(async () => {
    await source?.drop()
    await warehouse?.drop()
    await rm(dir, { recursive: true, force: true })
  })
  const stores = () => ({ INGESTION_STORE: join(dir, 'i'), PROCESSED_STORE: join(dir, 'p'), DATA_DIR: dir })

  it('passes on a seeded source, an initialised warehouse and writable folders (server)', async (t) => {
    if (!source || !warehouse) return t.skip('no PostgreSQL server reachable')
    const report = await check({ TOTESYS_DB_URL: source.url, WAREHOUSE_DB_URL: warehouse.url, ...stores() })
    const v = verdicts(report)
    assert.equal(report.ok, true, JSON.stringify(v))
    assert.match(
      v.source?.verdict ?? '',
      /^PostgreSQL \d+\.\d+ · SELECT on 11\/11 tables \(read-only rights are enough\) · clock [+−±]\d+\.\d\d s \(EXTRACT_LAG 2m\)$/,
    )
    assert.match(
      v.warehouse?.verdict ?? '',
      /schema present \(\d+ tables and the ledger\), nothing loaded yet/,
    )
    assert.match(
      v.ingestion?.verdict ?? '',
      /^writable \(a probe object written, read back, deleted\) · 0 batch manifests$/,
    )
  })

  it('names a wrong port, a missing database and an unwritable folder, and still checks the rest', async (t) => {
    if (!source) return t.skip('no PostgreSQL server reachable')
    const missing = new URL(source.url)
    missing.pathname = '/etl_check_no_such_db'
    const report = await check({
      TOTESYS_DB_URL: 'postgres://etl:hunter2-secret@127.0.0.1:1/totesys',
      WAREHOUSE_DB_URL: missing.toString(),
      INGESTION_STORE: '/proc/totesys-etl-check/ingestion',
      PROCESSED_STORE: join(dir, 'p'),
      DATA_DIR: dir,
    })
    const v = verdicts(report)
    assert.equal(report.ok, false)
    assert.match(
      v.source?.verdict ?? '',
      /cannot connect to the source \(TOTESYS_DB_URL\) at postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/totesys: connect ECONNREFUSED/,
    )
    assert.match(
      v.warehouse?.verdict ?? '',
      /database "etl_check_no_such_db" does not exist \(create it, or fix the database name in the URL\)/,
    )
    assert.match(
      v.ingestion?.verdict ?? '',
      /ingestion store \(INGESTION_STORE\) .*: cannot write .*\(ENOENT\)/,
    )
    assert.equal(v.processed?.ok, true)
    assert.doesNotMatch(JSON.stringify(report), /hunter2/)
  })

  it('says an empty embedded database needs seeding and init (PGlite)', async () => {
    const db = `pglite:${join(dir, 'empty')}`
    const report = await check({ TOTESYS_DB_URL: db, WAREHOUSE_DB_URL: db, ...stores() })
    const v = verdicts(report)
    assert.match(v.source?.verdict ?? '', /^PostgreSQL \d+\.\d+ · no totesys tables: seed it/)
    assert.match(v.warehouse?.verdict ?? '', /schema absent: run totesys-etl init/)
    assert.equal(v.source?.ok, false)
    assert.equal(v.ingestion?.ok, true)
  })

  it('prints one line a system, or JSON, and exits 1 with one reason', () => {
    const env = {
      ...process.env,
      TOTESYS_DB_URL: 'postgres://etl@127.0.0.1:1/totesys',
      WAREHOUSE_DB_URL: 'postgres://etl@127.0.0.1:1/warehouse',
      ...stores(),
    }
    const json = spawnSync(process.execPath, [main, 'check', '--json', '--timeout', '20s'], {
      encoding: 'utf8',
      env,
      cwd: dir,
      timeout: 120_000,
    })
    assert.equal(json.status, 1, json.stderr)
    const report = JSON.parse(json.stdout) as CheckReport
    assert.deepEqual(
      report.checks.map((c) => [c.system, c.ok]),
      [
        ['source', false],
        ['warehouse', false],
        ['ingestion', true],
        ['processed', true],
      ],
    )
    const failures = json.stderr
      .trim()
      .split('\n')
      .filter((l) => l.includes('"command failed"'))
    assert.equal(failures.length, 1, json.stderr)
    assert.match(
      failures[0] ?? '',
      /check failed for source \(TOTESYS_DB_URL\), warehouse \(WAREHOUSE_DB_URL\)/,
    )

    const text = spawnSync(process.execPath, [main, 'check'], {
      encoding: 'utf8',
      env: { ...env, LOG_FORMAT: 'text', NO_COLOR: '1' },
      cwd: dir,
      timeout: 120_000,
    })
    assert.equal(text.status, 1)
    const lines = text.stdout.trim().split('\n')
    assert.deepEqual(
      lines.map((l) => l.slice(0, 12)),
      ['✖ source    ', '✖ warehouse ', '✔ ingestion ', '✔ processed '],
    )
    assert.match(text.stderr, /^\d\d:\d\d:\d\d ✖ check: check failed for source/m)
  })
})
