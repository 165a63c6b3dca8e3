/**
 * The README's tour, run as written, in order, in a fresh folder: its lines are read from README.md, so
 * the README cannot drift from what works. Against the local server when it answers (the tour's URLs
 * pointed at fresh database names, which `seed` and `init` create), else against embedded PGlite. The
 * test then checks that every command used the databases the .env names, not the embedded defaults.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { openDatabase } from '../../src/io/open-database.ts'
import { CLI } from '../support/cli.ts'
import { SERVER_ADMIN_URL, serverReachable } from '../support/databases.ts'

const main = CLI
const README_SOURCE = 'postgres://postgres@127.0.0.1:5432/totesys'
const README_WAREHOUSE = 'postgres://postgres@127.0.0.1:5432/warehouse'

/** Lines of the tour the test does not run, and why. */
const SKIPPED: readonly [RegExp, string][] = [
  [
    /^npx totesys-etl watch\b/,
    'runs until Ctrl-C; test/entrypoints/cli-pipeline.test.ts runs start the same way',
  ],
  [/^npx totesys-etl api\b/, 'serves until Ctrl-C; test/api/api-cli.test.ts runs it'],
  [
    /^npx totesys-etl fx\b/,
    'needs the network (the ECB via Frankfurter); test/streams/fx/fx-cli.test.ts runs it on a local provider',
  ],
  [/^npm run (bench|synth)\b/, 'minutes long; run by their own tests and by hand'],
]
/** Changes that keep the tour fast without changing what it shows. */
const SHORTENED: readonly [RegExp, string][] = [
  [/--scale 10\b/, '--scale 1'],
  [/--duration 1m\b/, '--duration 3s'],
]

async function tourLines(): Promise<string[]> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const block = readme.split('## A short tour')[1]?.split('```sh')[1]?.split('```')[0]
  assert.ok(block, 'README.md has a tour')
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '')
}

describe('the README tour, as written', () => {
  let dir: string
  const dbs: string[] = []
  let source = ''
  let warehouse = ''
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-tour-'))
    if (await serverReachable()) {
      const suffix = Math.random().toString(36).slice(2, 8)
      for (const [name, readmeUrl] of [
        [`etl_tour_src_${suffix}`, README_SOURCE],
        [`etl_tour_wh_${suffix}`, README_WAREHOUSE],
      ] as const) {
        const url = new URL(SERVER_ADMIN_URL)
        url.pathname = `/${name}`
        dbs.push(name)
        if (readmeUrl === README_SOURCE) source = url.toString()
        else warehouse = url.toString()
      }
    } else {
      source = `pglite:${join(dir, 'db', 'totesys')}`
      warehouse = `pglite:${join(dir, 'db', 'warehouse')}`
    }
  })
  after(async () => {
    if (dbs.length > 0) {
      const admin = new pg.Client({ connectionString: SERVER_ADMIN_URL })
      await admin.connect()
      for (const name of dbs) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    }
    await rm(dir, { recursive: true, force: true })
  })

  it('runs every command in order against the databases .env names', async (t) => {
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
    // The tour's own settings come from .env alone: nothing inherited may point elsewhere.
    for (const key of [
      'TOTESYS_DB_URL',
      'WAREHOUSE_DB_URL',
      'INGESTION_STORE',
      'PROCESSED_STORE',
      'DATA_DIR',
    ])
      delete env[key]
    for (let line of await tourLines()) {
      const skip = SKIPPED.find(([pattern]) => pattern.test(line))
      if (skip) {
        t.diagnostic(`skipped: ${line} (${skip[1]})`)
        continue
      }
      for (const [pattern, replacement] of SHORTENED) line = line.replace(pattern, replacement)
      line = line.replaceAll(README_SOURCE, source).replaceAll(README_WAREHOUSE, warehouse)
      for (const part of line.split('&&').map((p) => p.trim())) {
        const args = part.startsWith('npx totesys-etl')
          ? [process.execPath, main, ...part.split(/\s+/).slice(2)]
          : ['sh', '-c', part]
        const run = spawnSync(args[0] ?? '', args.slice(1), {
          cwd: dir,
          env,
          encoding: 'utf8',
          timeout: 300_000,
        })
        assert.equal(
          run.status,
          0,
          `${part}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr.slice(-4000)}`,
        )
        t.diagnostic(`ok: ${part}`)
      }
    }
    // Every command used the .env's databases: the embedded defaults were never created...
    assert.equal(existsSync(join(dir, '.data', 'totesys')), false, 'no embedded source was opened')
    assert.equal(existsSync(join(dir, '.data', 'warehouse')), false, 'no embedded warehouse was opened')
    // ...and the warehouse the .env names holds what the tour loaded.
    const db = await openDatabase(
      warehouse.startsWith('pglite:')
        ? { kind: 'embedded', path: warehouse.slice('pglite:'.length) }
        : { kind: 'server', url: warehouse },
    )
    try {
      const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM fact_sales_order')
      assert.ok((row?.n ?? 0) > 0, 'fact_sales_order was loaded into the .env warehouse')
    } finally {
      await db.close()
    }
  })
})
