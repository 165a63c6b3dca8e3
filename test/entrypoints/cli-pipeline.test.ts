/**
 * `npm start`'s job as a user runs it, on embedded defaults in a fresh folder: start, let the simulator's
 * changes flow for a while, Ctrl-C, then status, verify, quarantine and schema from the same folder.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runListIngestionBatches, runReadIngestionManifest } from '../../src/extract/ingestion-batches.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import { CLI } from '../support/cli.ts'

const main = CLI

describe('the CLI end to end on embedded defaults', () => {
  let dataDir: string
  const env = () => ({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'WARN' })
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [main, ...args], {
      encoding: 'utf8',
      env: env(),
      timeout: 120_000,
    })

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'etl-cli-'))
  })
  after(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  it('start seeds, simulates and loads until Ctrl-C, and stops cleanly', async () => {
    const child = spawn(process.execPath, [main, 'start', '--every', '1s', '--port', '0'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    // Wait until at least two batches have loaded (the snapshot, then simulated changes), then Ctrl-C.
    // Each stage's batch leaves its timing in the status store, whatever the log level.
    const loaded = (batch: string) =>
      readdir(join(dataDir, 'processed', '_status', 'batches'), { recursive: true })
        .then((keys) => keys.some((k) => k.includes(`-batch-load-${batch}-`)))
        .catch(() => false)
    // The next test's "the simulator added sales orders" needs a simulated sales_order change (batch 2 may
    // hold only other tables' changes: it did once, on a quiet machine): wait until one is extracted too.
    const ingestion = new FolderStore(join(dataDir, 'ingestion'))
    const salesOrderChanged = async () => {
      for (const id of (await runListIngestionBatches(ingestion).catch(() => [])).slice(1)) {
        const { tables } = await runReadIngestionManifest(ingestion, id)
        if (tables.some((t) => t.table === 'sales_order' && t.rows > 0)) return true
      }
      return false
    }
    // A bound, not a timing: seeding and the first load take minutes on a busy 2-core machine.
    const deadline = Date.now() + 300_000
    while (!((await loaded('0000000002')) && (await salesOrderChanged())) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250))
    }
    child.kill('SIGINT')
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    assert.match(stderr, /totesys-etl start: the whole pipeline/)
    assert.match(stderr, /simulator {2}WRITES 2 made-up changes\/s into the embedded demo source/)
    assert.ok(await loaded('0000000001'))
    assert.ok(await loaded('0000000002'))
    assert.match(stderr, /stopping after the stage in hand/)
    assert.equal(code, 0, stderr)
  })

  it('run catches up, then verify is clean and status tells where everything is', () => {
    const run = cli(['run'])
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /^extract: /m)
    const verify = cli(['verify'])
    assert.equal(verify.status, 0, verify.stdout + verify.stderr)
    assert.match(verify.stdout, /verify: clean/)
    const status = cli(['status', '--json'])
    assert.equal(status.status, 0, status.stderr)
    const report = JSON.parse(status.stdout) as {
      warehouse: { pending: number; rows: Record<string, number> }
    }
    assert.equal(report.warehouse.pending, 0)
    assert.ok((report.warehouse.rows.fact_sales_order ?? 0) > 6941, 'the simulator added sales orders')
    const text = cli(['status'])
    assert.match(text.stdout, /freshness {2}newest change loaded/)
  })

  it('lists quarantine and schemas, and transforms and loads with nothing pending', () => {
    const quarantine = cli(['quarantine', 'list', '--json'])
    assert.equal(quarantine.status, 0, quarantine.stderr)
    assert.deepEqual(JSON.parse(quarantine.stdout), [])
    assert.match(cli(['quarantine', 'list']).stdout, /quarantine: empty/)
    const schemas = cli(['schema', 'list'])
    assert.equal(schemas.status, 0, schemas.stderr)
    assert.match(schemas.stdout, /sales_order/)
    const transform = cli(['transform'])
    assert.equal(transform.status, 0, transform.stderr)
    const verifyJson = cli(['verify', '--json'])
    assert.equal(JSON.parse(verifyJson.stdout).clean, true)
  })
})
