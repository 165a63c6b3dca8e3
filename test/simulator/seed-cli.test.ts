/**
 * `seed` and `simulate` as a user runs them: on a fresh server database when one is reachable (faster),
 * else on an embedded database in a temporary folder.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { CLI } from '../support/cli.ts'
import { createTestDatabase, type TestDatabase } from '../support/databases.ts'

const main = CLI

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString()
    })
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString()
    })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/** A run's whole output, for an assertion's message: a failure in CI must say what the command printed. */
function shown(run: { status: number | null; stdout: string; stderr: string }): string {
  return `exit ${run.status}\n--- stdout\n${run.stdout.slice(-3000)}\n--- stderr\n${run.stderr.slice(-3000)}`
}

describe('totesys-etl seed and simulate', () => {
  const dirs: string[] = []
  let server: TestDatabase | undefined
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
    await server?.drop()
  })

  it('seeds synthetic data, refuses to seed twice, then simulates the application', async () => {
    server = await createTestDatabase('server')
    const dir = await mkdtemp(join(tmpdir(), 'seed-cli-'))
    dirs.push(dir)
    const db = server?.url ?? `pglite:${join(dir, 'totesys')}`
    const seeded = await cli(['seed', '--db', db, '--scale', '0.01', '--seed', '2'])
    assert.equal(seeded.status, 0, shown(seeded))
    assert.match(seeded.stdout, /sales_order\s+69\n/, shown(seeded))
    assert.doesNotMatch(seeded.stderr, /seed \[|█/, `no progress bar off a terminal; ${shown(seeded)}`)
    assert.match(
      seeded.stderr,
      /"message":"source seeded"/,
      `the JSON log line is the record; ${shown(seeded)}`,
    )

    const again = await cli(['seed', '--db', db])
    assert.equal(again.status, 1, shown(again))
    assert.match(again.stderr, /already holds rows .*--force/, shown(again))

    const simulated = await cli(['simulate', '--db', db, '--rate', '100', '--duration', '200ms', '--json'])
    assert.equal(simulated.status, 0, shown(simulated))
    const stats = JSON.parse(simulated.stdout.trim().split('\n').at(-1) ?? '{}') as { changes: number }
    assert.ok(stats.changes >= 1 && stats.changes <= 20, shown(simulated))
  })

  it('rejects contradictory flags', async () => {
    const both = await cli(['seed', '--db', 'pglite:memory', '--snapshot', '--scale', '2'])
    assert.equal(both.status, 1)
    assert.match(both.stderr, /--snapshot or --scale/)
  })
})
