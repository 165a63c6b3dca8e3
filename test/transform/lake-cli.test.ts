/**
 * The lake's failure classes as an operator meets them on the command line: a garbage `_schemas/` file
 * exits 65 naming the file; `transform --batch <id> --redo` rebuilds a processed batch (the warehouse,
 * never initialised here, has loaded nothing); `quarantine discard` without a known entry says so.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { manifestKey } from '../../src/core/batch-id.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import { CLI } from '../support/cli.ts'
import { aLookupBatch, aSalesOrder, writeIngestionBatch } from '../support/ingestion-fixture.ts'

describe('the lake on the command line', () => {
  let dir: string
  let ingestion: FolderStore
  let processed: FolderStore
  const cli = (args: string[]) => {
    const out = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, DATA_DIR: join(dir, '.data'), LOG_FORMAT: 'json' },
      timeout: 180_000,
    })
    return { status: out.status, stdout: out.stdout, stderr: out.stderr }
  }
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-lake-cli-'))
    ingestion = new FolderStore(join(dir, '.data', 'ingestion'))
    processed = new FolderStore(join(dir, '.data', 'processed'))
    await writeIngestionBatch(ingestion, { tables: { ...aLookupBatch(), sales_order: [aSalesOrder()] } })
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('a garbage schema file exits 65 and names it; removed, the transform goes on', async () => {
    await ingestion.put('_schemas/address/v1.json', '{"table": "address", "version": ')
    const refused = cli(['transform'])
    assert.equal(refused.status, 65, refused.stderr)
    assert.match(refused.stderr, /_schemas\/address\/v1\.json/)
    assert.match(refused.stderr, /does not parse/)
    await ingestion.delete('_schemas/address/v1.json')
    const done = cli(['transform'])
    assert.equal(done.status, 0, done.stderr)
    assert.match(done.stdout, /batch 0000000001: .*fact_sales_order=1/)
  })

  it('transform --batch <id> --redo rebuilds a processed batch whose manifest was damaged', async () => {
    await processed.put(manifestKey('0000000001'), 'garbage')
    assert.equal(cli(['transform', '--batch', '0000000001']).status, 1)
    const redone = cli(['transform', '--batch', '0000000001', '--redo'])
    assert.equal(redone.status, 0, redone.stderr)
    assert.match(redone.stdout, /batch 0000000001: .*fact_sales_order=1/)
    const text = new TextDecoder().decode(await processed.get(manifestKey('0000000001')))
    assert.match(text, /"batch_id": "0000000001"/)
  })

  it('quarantine discard refuses an unknown entry and needs a reason', () => {
    assert.equal(cli(['quarantine', 'discard', 'nope']).status, 64)
    const unknown = cli(['quarantine', 'discard', 'nope', '--reason', 'superseded'])
    assert.equal(unknown.status, 1)
    assert.match(unknown.stderr, /no quarantine entry nope/)
  })
})
