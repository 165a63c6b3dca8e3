/** `totesys-etl api` serves the payments API locally on the port asked for. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, it } from 'node:test'
import { CLI } from '../support/cli.ts'

const main = CLI

describe('totesys-etl api', () => {
  it('serves the app on --port until stopped', async () => {
    const child = spawn(process.execPath, [main, 'api', '--port', '0'], {
      env: { ...process.env, WAREHOUSE_DB_URL: 'pglite:memory' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = ''
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString()
          const match = /payments API on (http:\/\/127\.0\.0\.1:\d+)\//.exec(err)
          if (match) resolve(match[1]!)
        })
        child.once('exit', (code) => reject(new Error(`api exited ${code}: ${err}`)))
      })
      const doc = await fetch(`${url}/openapi.json`)
      assert.equal(doc.status, 200)
      const bad = await fetch(`${url}/payments/next5?as_of=tomorrow`)
      assert.equal(bad.status, 400)
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  })
})
