/**
 * Every exit code the CLI documents, as a user meets it, and the rule that goes with them: a non-zero
 * exit says why exactly once (one JSON line off a terminal, one human line with LOG_FORMAT=text), and
 * no form of a password ever reaches the output.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { PgliteDatabase } from '../../src/io/pglite-database.ts'
import { silentLog } from '../../src/log.ts'
import { runSeed } from '../../src/simulator/run-seed.ts'
import { CLI } from '../support/cli.ts'
import { createServerDatabase, serverReachable, type TestDatabase } from '../support/databases.ts'

const main = CLI
const recordImports = fileURLToPath(new URL('../support/record-imports.mjs', import.meta.url))

let dir: string
function cli(args: string[], env: Record<string, string> = {}, imports: string[] = []) {
  const out = spawnSync(process.execPath, [...imports.flatMap((i) => ['--import', i]), main, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, DATA_DIR: join(dir, '.data'), ...env },
    timeout: 180_000,
  })
  return { status: out.status, stdout: out.stdout, stderr: out.stderr, all: out.stdout + out.stderr }
}
/** The stderr lines that report a failure: exactly one is the rule. */
const failureLines = (stderr: string) =>
  stderr.split('\n').filter((l) => l.includes('"message":"command failed"') || /^\d\d:\d\d:\d\d ✖ /.test(l))

describe('exit codes, and why, once', () => {
  let server: TestDatabase | undefined
  let sourceUrl: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-exit-'))
    if (await serverReachable()) {
      server = await createServerDatabase()
      await runSeed(server.db, { kind: 'synthetic', scale: 0.01, seed: 1 }, { log: silentLog })
      sourceUrl = server.url
    } else {
      const path = join(dir, 'source')
      const db = await PgliteDatabase.open(path)
      await runSeed(db, { kind: 'synthetic', scale: 0.01, seed: 1 }, { log: silentLog })
      await db.close()
      sourceUrl = `pglite:${path}`
    }
  })
  after(async () => {
    await server?.drop()
    await rm(dir, { recursive: true, force: true })
  })

  it('0: --version prints the version of package.json; --help loads no driver, SDK or engine', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    const version = cli(['--version'])
    assert.equal(version.status, 0)
    assert.equal(version.stdout.trim(), pkg.version)
    const help = cli(['--help'], {}, [recordImports])
    assert.equal(help.status, 0)
    assert.match(help.stdout, /check \[options\]/)
    const loaded = help.stderr.split('\n').filter((l) => l.startsWith('IMPORT '))
    assert.ok(loaded.length > 10, 'the hook saw the imports')
    for (const heavy of [
      '@aws-sdk',
      '@duckdb',
      '@electric-sql',
      '/node_modules/pg/',
      'zod',
      'powertools',
      'hono',
    ])
      assert.deepEqual(
        loaded.filter((l) => l.includes(heavy)),
        [],
        `--help must not load ${heavy}`,
      )
  })

  it('64: an unknown option', () => {
    const out = cli(['extract', '--no-such-flag'])
    assert.equal(out.status, 64)
    assert.match(out.stderr, /error: unknown option '--no-such-flag'/)
  })

  it('1: a bad setting, said once (JSON off a terminal, a line with LOG_FORMAT=text)', () => {
    const json = cli(['extract', '--extract-lag', 'soon'])
    assert.equal(json.status, 1)
    assert.equal(json.stdout, '')
    assert.deepEqual(json.stderr.trim().split('\n').length, 1, json.stderr)
    const line = JSON.parse(json.stderr) as Record<string, unknown>
    assert.equal(line.message, 'command failed')
    assert.equal(line.command, 'extract')
    assert.equal(line.exitCode, 1)
    assert.match(String(line.error), /EXTRACT_LAG must be a duration like 30s, 2m or 1h; got 'soon'/)
    const text = cli(['extract', '--extract-lag', 'soon'], { LOG_FORMAT: 'text' })
    assert.equal(text.status, 1)
    assert.match(
      text.stderr,
      /^\d\d:\d\d:\d\d ✖ extract: EXTRACT_LAG must be a duration like 30s, 2m or 1h; got 'soon' {2}\[exit 1\]\n$/,
    )
  })

  it('75: a database that does not answer is temporary; no form of the password is printed', () => {
    const url =
      'postgres://etl:hunter2-user@127.0.0.1:1/totesys?password=hunter2-query&sslpassword=hunter2-ssl'
    for (const format of ['json', 'text']) {
      const out = cli(['extract'], { TOTESYS_DB_URL: url, LOG_FORMAT: format })
      assert.equal(out.status, 75, out.all)
      assert.doesNotMatch(out.all, /hunter2/)
      assert.equal(failureLines(out.stderr).length, 1, out.stderr)
      assert.match(
        out.stderr,
        /cannot connect to the source \(TOTESYS_DB_URL\) at postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/totesys\?password=\*\*\*&sslpassword=\*\*\*/,
      )
    }
  })

  it('78: a missing database and a refused login are not temporary, and name the system', async (t) => {
    if (!server) return t.skip('needs the PostgreSQL server (PGlite has neither databases nor logins)')
    const missing = new URL(server.url)
    missing.pathname = '/etl_no_such_database'
    const out = cli(['load'], { WAREHOUSE_DB_URL: missing.toString() })
    assert.equal(out.status, 78, out.all)
    assert.match(
      out.stderr,
      /cannot connect to the warehouse \(WAREHOUSE_DB_URL\) at postgres:.*etl_no_such_database: database \\"etl_no_such_database\\" does not exist/,
    )
    const role = new URL(server.url)
    role.username = 'etl_no_such_role'
    role.password = 'hunter2-role'
    const refused = cli(['extract'], { TOTESYS_DB_URL: role.toString(), LOG_FORMAT: 'text' })
    assert.equal(refused.status, 78, refused.all)
    assert.match(
      refused.stderr,
      /cannot connect to the source \(TOTESYS_DB_URL\) at postgres:\/\/etl_no_such_role:\*\*\*@.*role "etl_no_such_role" does not exist/,
    )
    assert.doesNotMatch(refused.all, /hunter2/)
    assert.equal(failureLines(refused.stderr).length, 1)
  })

  it('74: a store that cannot be written is reported as that, with its path, in bounded time', () => {
    const out = cli(['run'], {
      TOTESYS_DB_URL: sourceUrl,
      INGESTION_STORE: '/proc/totesys-etl-test/ingestion',
    })
    assert.equal(out.status, 74, out.all)
    const [failure] = failureLines(out.stderr)
    assert.equal(failureLines(out.stderr).length, 1, out.stderr)
    assert.match(
      failure ?? '',
      /ingestion store \(INGESTION_STORE\) \/proc\/totesys-etl-test\/ingestion: cannot write \/proc\/totesys-etl-test\/ingestion\/.*: the folder cannot be created there \(ENOENT\)/,
    )
  })

  it('1: run --json fails like run when a table could not be extracted, and names it', async () => {
    const stores = {
      INGESTION_STORE: join(dir, 'i'),
      PROCESSED_STORE: join(dir, 'p'),
      WAREHOUSE_DB_URL: `pglite:${join(dir, 'wh')}`,
    }
    // A source table without its cursor column cannot be read; the other tables still flow.
    const init = cli(['init'], stores)
    assert.equal(init.status, 0, init.all)
    if (server) await server.db.exec('ALTER TABLE design DROP COLUMN last_updated')
    else {
      const db = await PgliteDatabase.open(sourceUrl.slice('pglite:'.length))
      await db.exec('ALTER TABLE design DROP COLUMN last_updated')
      await db.close()
    }
    const json = cli(['run', '--json'], { TOTESYS_DB_URL: sourceUrl, ...stores })
    assert.equal(json.status, 1, json.all)
    assert.equal(cli(['run'], { TOTESYS_DB_URL: sourceUrl, ...stores }).status, 1, 'plain run agrees')
    const result = JSON.parse(json.stdout) as { extract: { failedTables: { table: string }[] } }
    assert.deepEqual(
      result.extract.failedTables.map((f) => f.table),
      ['design'],
    )
    assert.equal(failureLines(json.stderr).length, 1, json.stderr)
    assert.match(
      failureLines(json.stderr)[0] ?? '',
      /1 table was not extracted, their cursors stay where they were: design \(column last_updated of design is missing/,
    )
  })
})
