/** The CLI as a user runs it: help, clear errors, and no password in any output. */
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { CLI } from '../support/cli.ts'
import { startTestS3 } from '../support/s3-server.ts'

const main = CLI
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  })

describe('totesys-etl CLI', () => {
  it('lists its commands and settings in --help', () => {
    const out = cli(['--help'])
    assert.equal(out.status, 0)
    assert.match(out.stdout, /extract/)
    assert.match(out.stdout, /--totesys-db-url/)
    assert.match(out.stdout, /INGESTION_STORE/)
  })

  it('fails clearly on a bad setting', () => {
    const out = cli(['extract', '--extract-lag', 'soon'])
    assert.equal(out.status, 1)
    assert.match(out.stderr, /EXTRACT_LAG must be a duration/)
  })

  it('never prints the password of an unreachable database URL', () => {
    const out = cli(['extract'], { TOTESYS_DB_URL: 'postgres://etl:hunter2-secret@127.0.0.1:1/totesys' })
    assert.equal(out.status, 75, 'a connection failure is transient')
    const all = out.stdout + out.stderr
    assert.match(
      all,
      /cannot connect to the source \(TOTESYS_DB_URL\) at postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/totesys/,
    )
    assert.doesNotMatch(all, /hunter2/)
  })

  it('reads settings from --dotenv PATH (the environment still wins), and fails on a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-cli-dotenv-'))
    try {
      const file = join(dir, 'settings.env')
      writeFileSync(
        file,
        'TOTESYS_DB_URL=postgres://etl:dotenv-secret@127.0.0.1:1/from_file\nEXTRACT_LAG=soon\n',
      )
      const out = cli(['extract', '--dotenv', file], { EXTRACT_LAG: '2m' })
      assert.equal(out.status, 75, out.stderr)
      assert.match(
        out.stderr,
        /the source \(TOTESYS_DB_URL\) at postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/from_file/,
      )
      assert.doesNotMatch(out.stdout + out.stderr, /dotenv-secret/)
      const missing = cli(['extract', '--dotenv', join(dir, 'none.env')])
      assert.equal(missing.status, 1)
      assert.match(missing.stderr, /cannot read the settings file .*none\.env: ENOENT/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('sweep --dry-run --json reports both stores and deletes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-cli-sweep-'))
    try {
      const orphan = join(dir, 'i/staff/year=2024/month=02/day=23/0000000001-dead0001.csv.gz')
      mkdirSync(dirname(orphan), { recursive: true })
      writeFileSync(orphan, 'x')
      const out = cli(['sweep', '--dry-run', '--json'], {
        INGESTION_STORE: join(dir, 'i'),
        PROCESSED_STORE: join(dir, 'p'),
      })
      assert.equal(out.status, 0, out.stderr)
      const result = JSON.parse(out.stdout) as {
        dryRun: boolean
        stores: { store: string; uncommitted: number }[]
      }
      assert.equal(result.dryRun, true)
      assert.deepEqual(
        result.stores.map((s) => [s.store, s.uncommitted]),
        [
          ['ingestion', 1],
          ['processed', 0],
        ],
      )
      assert.ok(existsSync(orphan))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('prints no AWS SDK notice about Node versions when a store is S3 (the SDK it pins supports this Node), unless the operator asks for it', async () => {
    const s3 = await startTestS3()
    try {
      await s3.createBucket('ingestion')
      // Asynchronous: the S3 server runs in this process and must answer while the command runs.
      const run = (extra: Record<string, string>) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          const env = {
            ...process.env,
            S3_ENDPOINT: s3.endpoint,
            INGESTION_STORE: 's3://ingestion/lake',
            ...extra,
          }
          execFile(
            process.execPath,
            [main, 'quarantine', 'list'],
            { encoding: 'utf8', env, timeout: 60_000 },
            (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          )
        })
      const quiet = await run({})
      assert.equal(quiet.code, 0, quiet.stderr)
      assert.match(quiet.stdout, /quarantine: empty/)
      assert.doesNotMatch(quiet.stderr, /NodeVersionSupportWarning/)
      if (Number(process.versions.node.split('.')[0]) < 22) {
        const asked = await run({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' })
        assert.equal(asked.code, 0, asked.stderr)
        assert.match(asked.stderr, /NodeVersionSupportWarning/)
      }
    } finally {
      await s3.close()
    }
  })
})
