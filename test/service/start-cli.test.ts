/**
 * `start` against a real server source: it reads the source and writes nothing into it (no made-up
 * orders, no snapshot) unless `--simulate` is given, says so in its banner, and logs a summary when it
 * stops. Runs the CLI as a user would, on the local PostgreSQL server.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SOURCE_TABLES } from '../../src/core/source-catalogue.ts'
import type { Database } from '../../src/io/database.ts'
import { hasSourceSchema } from '../../src/simulator/source-schema.ts'
import { CLI } from '../support/cli.ts'
import { createTestDatabase, type TestDatabase } from '../support/databases.ts'
import { createSnapshotSource } from '../support/source-fixture.ts'
import { until } from './until.ts'

const main = CLI
/** Seeding and the first load take minutes on a busy 2-core machine: a bound, not a timing. */
const BOUND = 300_000

/** Row count and newest change of every source table: equal before and after means nothing was written. */
async function fingerprint(db: Database): Promise<string> {
  const parts = SOURCE_TABLES.map(
    (t) => `SELECT '${t}' AS t, count(*)::int AS n, max(last_updated)::text AS newest FROM "${t}"`,
  )
  return JSON.stringify(await db.query(parts.join(' UNION ALL ')))
}

interface Started {
  readonly child: ChildProcess
  /** Both streams: the banner and warnings go to stderr, info log lines to stdout. */
  readonly stderr: () => string
  /** The JSON log lines so far. */
  readonly lines: () => { message?: string; [k: string]: unknown }[]
  stop(): Promise<number | null>
}

/** An extract that found nothing: read and empty, or skipped because nothing was committed (plan-idle-skip.ts). */
const idleExtract = (l: { message?: string }) =>
  l.message === 'extract found no changes' || l.message?.startsWith('extract skipped') === true

function start(args: string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, [main, 'start', '--port', '0', ...args], {
    // Debug: an idle poll the source proves needless says so only at debug level, and a cycle is a cycle.
    env: { ...process.env, LOG_LEVEL: 'DEBUG', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Read both pipes: a child blocks once a pipe nobody reads is full.
  let stderr = ''
  const collect = (chunk: Buffer) => {
    stderr += chunk.toString()
  }
  child.stderr?.on('data', collect)
  child.stdout?.on('data', collect)
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return {
    child,
    stderr: () => stderr,
    lines: () =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { message?: string }),
    async stop() {
      child.kill('SIGINT')
      return exited
    },
  }
}

describe('start against a server source', () => {
  let source: TestDatabase | undefined
  let dataDir: string
  before(async () => {
    source = await createSnapshotSource('server')
    dataDir = await mkdtemp(join(tmpdir(), 'etl-start-'))
  })
  after(async () => {
    await source?.drop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('only runs the pipeline: writes nothing into the source, says so, and sums up when stopped', async (t) => {
    if (!source) return t.skip('no PostgreSQL server reachable')
    const before = await fingerprint(source.db)
    const run = start(['--every', '200ms'], {
      TOTESYS_DB_URL: source.url,
      DATA_DIR: join(dataDir, 'plain'),
    })
    try {
      await until(
        'the first batch loaded',
        () => run.lines().some((l) => l.message === 'batch loaded' && l.batchId === '0000000001'),
        BOUND,
      )
      // Several more cycles: time in which the old simulator would have written its made-up orders.
      const cycles = () => run.lines().filter(idleExtract).length
      await until('five more cycles', () => cycles() >= 5, BOUND)
    } finally {
      assert.equal(await run.stop(), 0, run.stderr())
    }
    assert.equal(await fingerprint(source.db), before, 'the source is exactly as it was')
    const err = run.stderr()
    assert.match(
      err,
      /^ {2}source {5}reads postgres:\/\/postgres@127\.0\.0\.1:5432\/etl_test_\w+ \(read only/m,
    )
    assert.match(err, /^ {2}simulator {2}off: nothing writes to the source \(--simulate would/m)
    assert.doesNotMatch(err, /simulation started|seeding the source/)
    const stopped = run.lines().find((l) => l.message === 'service stopped')
    assert.ok(stopped, err)
    assert.equal(stopped.stage, 'service')
    assert.equal(stopped.batches, 1)
    assert.ok(typeof stopped.rows === 'number' && stopped.rows > 30_000, String(stopped.rows))
    assert.equal(stopped.failures, 0)
    assert.equal(typeof stopped.freshnessSeconds, 'number')
  })

  it('writes made-up changes into a server source only when --simulate is given', async (t) => {
    if (!source) return t.skip('no PostgreSQL server reachable')
    const count = async () =>
      (await source!.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sales_order'))[0]?.n ?? 0
    const before = await count()
    const run = start(['--every', '500ms', '--simulate', '--simulate-rate', '50'], {
      TOTESYS_DB_URL: source.url,
      DATA_DIR: join(dataDir, 'simulated'),
    })
    try {
      await until('simulated sales orders', async () => (await count()) > before, BOUND)
    } finally {
      assert.equal(await run.stop(), 0, run.stderr())
    }
    assert.match(
      run.stderr(),
      /^ {2}simulator {2}WRITES 50 made-up changes\/s into postgres:.*, as --simulate asked$/m,
    )
  })

  it('refuses a server source without the totesys tables rather than seed it', async (t) => {
    const empty = await createTestDatabase('server')
    if (!empty) return t.skip('no PostgreSQL server reachable')
    try {
      const run = start([], { TOTESYS_DB_URL: empty.url, DATA_DIR: join(dataDir, 'empty') })
      const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve))
      assert.equal(code, 1, run.stderr())
      assert.match(run.stderr(), /has no totesys tables; start seeds only its embedded demo source/)
      assert.equal(await hasSourceSchema(empty.db), false)
    } finally {
      await empty.drop()
    }
  })
})
