/** `totesys-etl fx backfill` as a user runs it: one command from the provider to fact_fx_rate. */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runInitWarehouse } from '../../../src/load/run-init.ts'
import { CLI } from '../../support/cli.ts'
import { createTestDatabase, type TestDatabase } from '../../support/databases.ts'
import { type FxTestServer, startFxServer } from './fx-test-server.ts'

const main = CLI

describe('totesys-etl fx', () => {
  let warehouse: TestDatabase | undefined
  let server: FxTestServer
  let dir: string
  // An async spawn: the test's own process keeps serving the recorded provider meanwhile.
  const cli = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      import('node:child_process').then(({ execFile }) => {
        execFile(
          process.execPath,
          [main, ...args],
          {
            env: {
              ...process.env,
              WAREHOUSE_DB_URL: warehouse!.url,
              INGESTION_STORE: join(dir, 'ingestion'),
              PROCESSED_STORE: join(dir, 'processed'),
              DATA_DIR: join(dir, 'data'),
            },
            timeout: 60_000,
          },
          (error, stdout, stderr) =>
            resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        )
      })
    })

  before(async () => {
    warehouse = await createTestDatabase('server')
    server = await startFxServer()
    dir = await mkdtemp(join(tmpdir(), 'fx-cli-'))
    if (!warehouse) return
    await runInitWarehouse(warehouse.db, { purchaseFactTable: 'fact_purchase_orders' })
    await warehouse.db.exec(
      "INSERT INTO dim_currency VALUES (1, 'GBP', 'Pound Sterling'), (3, 'EUR', 'Euro')",
    )
  })
  after(async () => {
    await server.close()
    await warehouse?.drop()
    await rm(dir, { recursive: true, force: true })
  })

  it('lists api, fx and datasets in --help', () => {
    const out = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' })
    assert.match(out.stdout, /api \[options\]/)
    assert.match(out.stdout, /fx/)
    assert.match(out.stdout, /datasets/)
    assert.match(out.stdout, /DATASETS/)
  })

  it('backfills a range in one command, and says what is wrong with a bad range', async (t) => {
    if (!warehouse) return t.skip('no PostgreSQL server reachable at 127.0.0.1:5432')
    const out = await cli([
      'fx',
      'backfill',
      '--from',
      '2024-01-05',
      '--to',
      '2024-01-08',
      '--provider-url',
      server.url,
    ])
    assert.equal(out.status, 0, out.stderr)
    assert.match(out.stdout, /landed batch 0000000001: 8 answers/)
    assert.match(out.stdout, /loaded batch 0000000001: fact_fx_rate \+8 ~0/)
    const [row] = await warehouse.db.query<{ rate: string }>(
      "SELECT trim_scale(rate)::text AS rate FROM fact_fx_rate WHERE date_id = '2024-01-07' AND base_currency_id = 1",
    )
    assert.equal(row?.rate, '1.1627')
    const bad = await cli(['fx', 'backfill', '--from', '2024-01-08', '--to', '2024-01-05'])
    assert.equal(bad.status, 1)
    assert.match(bad.stderr, /--from 2024-01-08 is after --to 2024-01-05/)
  })
})
