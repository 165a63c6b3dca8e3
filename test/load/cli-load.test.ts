import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { FolderStore } from '../../src/io/folder-store.ts'
import { CLI } from '../support/cli.ts'
import { writeSequence } from './load-fixtures.ts'

const MAIN = CLI

function cli(dir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [MAIN, '--data-dir', dir, '--warehouse-db-url', `pglite:${join(dir, 'warehouse')}`, ...args],
    { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'ERROR' } },
  )
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('totesys-etl init and load (CLI, embedded warehouse)', () => {
  it('initialises, loads up to a batch, loads the rest, and refuses a malformed batch id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-load-'))
    try {
      await writeSequence(new FolderStore(join(dir, 'processed')))
      const init = cli(dir, 'init')
      assert.equal(init.status, 0, init.stderr)
      assert.match(init.stdout, /^created dim_date, .*fact_payment and the load ledger/)
      const first = cli(dir, 'load', '--until', '0000000001')
      assert.equal(first.status, 0, first.stderr)
      assert.match(first.stdout, /^loaded batch 0000000001 in \d+ ms: dim_date \+91, /)
      const rest = cli(dir, 'load', '--json')
      assert.equal(rest.status, 0, rest.stderr)
      const result = JSON.parse(rest.stdout) as { loaded: { batchId: string }[] }
      assert.deepEqual(
        result.loaded.map((b) => b.batchId),
        ['0000000002', '0000000003'],
      )
      const bad = cli(dir, 'load', '--until', 'soon')
      assert.equal(bad.status, 1)
      assert.match(bad.stderr, /--until must be a 10-digit batch id/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
