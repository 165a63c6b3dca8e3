/**
 * `status`, `history`, `watch` and `start` as a user runs them, on the common mistakes: a warehouse on
 * the wrong port or without its database, a store that is not there, an interval of zero. Unknown is
 * never shown as zero: the system is named (URL without its password), the exit code is 2.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { StatusReport } from '../../src/service/run-status.ts'
import { CLI } from '../support/cli.ts'
import { SERVER_ADMIN_URL, serverReachable } from '../support/databases.ts'

const main = CLI
const UNREACHABLE = 'postgres://etl:hunter2-secret@127.0.0.1:1/warehouse'

describe('status and history on unreachable systems', () => {
  let dir: string
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [main, ...args], {
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'WARN', ...env },
      timeout: 120_000,
    })
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-status-cli-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('status names a warehouse on the wrong port, exits 2, and shows no zeros for it', () => {
    const out = cli(['status'], { WAREHOUSE_DB_URL: UNREACHABLE })
    assert.equal(out.status, 2, out.stderr)
    assert.match(out.stdout, /^load {7}UNKNOWN: warehouse unreachable \(see below\)$/m)
    assert.match(out.stdout, /^warehouse rows UNKNOWN/m)
    assert.match(
      out.stdout,
      /^ {2}warehouse unreachable \(postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/warehouse\): .*ECONNREFUSED.*; check WAREHOUSE_DB_URL$/m,
    )
    // What the stores hold is known, and said: nothing extracted yet.
    assert.match(out.stdout, /^extract {4}last batch –, 0 committed$/m)
    assert.doesNotMatch(out.stdout + out.stderr, /hunter2|^ {2}fact_\w+ +0$/m)
  })

  it('status --json says null, never zero, for what it could not read', () => {
    const out = cli(['status', '--json'], { WAREHOUSE_DB_URL: UNREACHABLE })
    assert.equal(out.status, 2, out.stderr)
    const report = JSON.parse(out.stdout) as StatusReport
    assert.equal(report.warehouse, null)
    assert.deepEqual(report.ingestion, { batches: 0, lastBatch: null, lastBatchAt: null })
    assert.deepEqual(
      report.problems.map((p) => [p.system, p.kind, p.where]),
      [['warehouse', 'unreachable', 'postgres://etl:***@127.0.0.1:1/warehouse']],
    )
  })

  it('status names a missing database on a real server', async (t) => {
    if (!(await serverReachable())) return t.skip('no PostgreSQL server reachable')
    const url = new URL(SERVER_ADMIN_URL)
    url.pathname = `/etl_missing_${randomBytes(4).toString('hex')}`
    const out = cli(['status'], { WAREHOUSE_DB_URL: url.toString() })
    assert.equal(out.status, 2, out.stderr)
    assert.match(
      out.stdout,
      /warehouse unreachable \(postgres:.*\): database "etl_missing_\w+" does not exist/,
    )
  })

  it('status names a store that cannot be read, and still reports the warehouse', async () => {
    const file = join(dir, 'a-file')
    await writeFile(file, 'not a folder')
    const out = cli(['status', '--json'], { INGESTION_STORE: file, WAREHOUSE_DB_URL: 'pglite:memory' })
    assert.equal(out.status, 2, out.stderr)
    const report = JSON.parse(out.stdout) as StatusReport
    assert.equal(report.ingestion, null)
    assert.equal(report.processed?.pending, null)
    const systems = report.problems.map((p) => `${p.system} ${p.kind}`)
    assert.ok(systems.includes('ingestion store unreachable'), systems.join())
    // An empty embedded warehouse answers: it is named as not initialised, not as holding zero rows.
    assert.ok(systems.includes('warehouse not initialised'), systems.join())
  })

  it('history names an unreachable warehouse and exits 2', () => {
    const out = cli(['history', '--since', '1h'], { WAREHOUSE_DB_URL: UNREACHABLE })
    assert.equal(out.status, 2, out.stderr)
    assert.match(
      out.stdout,
      /^ {2}warehouse unreachable \(postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/warehouse\)/m,
    )
  })

  it('history refuses a --since or --stage it cannot read', () => {
    const since = cli(['history', '--since', 'yesterday'])
    assert.equal(since.status, 1)
    assert.match(since.stderr, /--since must be a duration back from now/)
    const stage = cli(['history', '--stage', 'loading'])
    assert.equal(stage.status, 1)
    assert.match(stage.stderr, /--stage must be one of extract, transform, load; got 'loading'/)
  })

  for (const args of [
    ['watch', '--every', '0'],
    ['start', '--every', '0'],
    ['watch', '--every', '30s', '--load-every', '50ms'],
    ['start', '--load-every', '0s'],
  ]) {
    it(`refuses ${args.join(' ')} instead of busy-looping`, () => {
      const out = cli(args)
      assert.equal(out.status, 1, out.stderr)
      assert.match(out.stderr, /--(load-)?every must be at least 100ms; got '(0|50ms|0s)'/)
    })
  }
})
