/** `totesys-etl datasets run | quarantine` as a user runs them, with DATASETS naming a folder. */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CLI } from '../../support/cli.ts'

const main = CLI

describe('totesys-etl datasets', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'datasets-cli-'))
    await mkdir(join(dir, 'drop'))
    await writeFile(
      join(dir, 'drop', 'rates.jsonl'),
      '{"code":"GBP","rate":"1.25"}\n{"code":"EUR"}\n{"rate":2}\n',
    )
    await writeFile(join(dir, 'drop', 'broken.json'), '{')
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('runs the configured datasets into their tables, then lists what was held and why', () => {
    const env = {
      ...process.env,
      WAREHOUSE_DB_URL: `pglite:${join(dir, 'warehouse')}`,
      INGESTION_STORE: join(dir, 'ingestion'),
      PROCESSED_STORE: join(dir, 'processed'),
      DATA_DIR: join(dir, 'data'),
      DATASETS: JSON.stringify([
        {
          name: 'rates',
          source: join(dir, 'drop'),
          key: ['code'],
          columns: [
            { name: 'code', type: 'text', required: true },
            { name: 'rate', type: 'numeric' },
          ],
        },
      ]),
    }
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [main, ...args], {
        encoding: 'utf8',
        env,
        timeout: 90_000,
      })
    const run = cli(['datasets', 'run'])
    assert.equal(run.status, 0, run.stderr)
    assert.match(
      run.stdout,
      /rates: 1 new files \(1 held\), batch 0000000001 \{"dataset_rates":\{"rows":2,"inserted":2,"updated":0\}\}/,
    )
    const held = cli(['datasets', 'quarantine'])
    assert.equal(held.status, 0, held.stderr)
    assert.match(held.stdout, /rates batch 0000000001 file broken\.json: 0 held: the file is not JSON/)
    assert.match(held.stdout, /rates batch 0000000001 records rates\.jsonl: 1 held: code: required/)
    const none = spawnSync(process.execPath, [main, 'datasets', 'run'], {
      encoding: 'utf8',
      env: { ...env, DATASETS: '' },
    })
    assert.match(none.stdout, /no dataset is configured: set DATASETS/)
  })
})
