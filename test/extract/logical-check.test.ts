/**
 * `check` and the extract in logical mode: on the server (wal_level logical) check says logical is
 * possible; on PGlite both check and the extract say it is not, and why, once.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCheck } from '../../src/check/run-check.ts'
import { loadConfig, type Settings } from '../../src/config.ts'
import { ConfigError } from '../../src/core/errors.ts'
import { makeDeps } from '../../src/entrypoints/make-deps.ts'
import { runReadSlot } from '../../src/extract/logical/run-slot.ts'
import { silentLog } from '../../src/log.ts'
import { runExtractStage } from '../../src/service/stages/run-extract-stage.ts'
import { toPipelineDeps } from '../../src/service/stages/stage-deps.ts'
import { CLI } from '../support/cli.ts'
import { createLogicalSource, type LogicalSource, runLogical } from '../support/logical-source.ts'
import { createTempStore } from '../support/source-fixture.ts'

async function sourceVerdict(settings: Settings) {
  const deps = makeDeps(loadConfig(settings), silentLog)
  try {
    const report = await runCheck(deps, { timeoutMs: 60_000 })
    return report.checks.find((c) => c.system === 'source')
  } finally {
    await deps.close()
  }
}

describe('logical mode: check and refusal', () => {
  let dir: string
  let source: LogicalSource | undefined
  let why = ''
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-logical-check-'))
    const made = await createLogicalSource()
    if (typeof made === 'string') why = made
    else source = made
  })
  after(async () => {
    await source?.drop()
    await rm(dir, { recursive: true, force: true })
  })
  const stores = () => ({ INGESTION_STORE: join(dir, 'i'), PROCESSED_STORE: join(dir, 'p'), DATA_DIR: dir })

  it('says logical is possible on a server with wal_level logical, and only a detail in cursor mode', async (t) => {
    if (!source) return t.skip(why)
    const logical = await sourceVerdict({
      TOTESYS_DB_URL: source.url,
      EXTRACT_MODE: 'logical',
      CDC_SLOT: source.slot,
      ...stores(),
    })
    assert.equal(logical?.ok, true, logical?.verdict)
    assert.match(
      logical?.verdict ?? '',
      / · logical: possible \(wal_level logical, slot etl_cdc_\w+ not yet created\)$/,
    )
    const cursor = await sourceVerdict({ TOTESYS_DB_URL: source.url, ...stores() })
    assert.doesNotMatch(cursor?.verdict ?? '', /logical/)
    assert.match(String(cursor?.details.logical), /^logical: possible/)
  })

  it('refuses on PGlite, in check and in the extract, saying why', async () => {
    const settings = { TOTESYS_DB_URL: 'pglite:memory', EXTRACT_MODE: 'logical', ...stores() }
    const verdict = await sourceVerdict(settings)
    assert.equal(verdict?.ok, false)
    assert.match(verdict?.verdict ?? '', /logical: not possible, embedded PGlite has no logical decoding/)
    const deps = makeDeps(loadConfig(settings), silentLog)
    try {
      await assert.rejects(
        runExtractStage(toPipelineDeps(deps)),
        (e) =>
          e instanceof ConfigError &&
          /PGlite has no logical decoding; use EXTRACT_MODE=cursor/.test(e.message),
      )
    } finally {
      await deps.close()
    }
  })

  it('cdc drop-slot asks first (refuses unasked off a terminal), then drops the slot with --yes', async (t) => {
    if (!source) return t.skip(why)
    const { store, remove } = await createTempStore()
    try {
      await runLogical(source, store)
      assert.notEqual(await runReadSlot(source.db, source.slot), undefined)
      const env = {
        ...process.env,
        TOTESYS_DB_URL: source.url,
        CDC_SLOT: source.slot,
        LOG_FORMAT: 'json',
        ...stores(),
      }
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [CLI, 'cdc', 'drop-slot', ...args], { env, encoding: 'utf8', cwd: dir })
      const unasked = run()
      assert.notEqual(unasked.status, 0)
      assert.match(unasked.stderr, /pass --yes/)
      assert.notEqual(await runReadSlot(source.db, source.slot), undefined)
      const yes = run('--yes')
      assert.equal(yes.status, 0, yes.stderr)
      assert.match(
        yes.stdout,
        new RegExp(`dropped replication slot ${source.slot} \\(it retained [\\d.]+ MB of WAL\\)`),
      )
      assert.equal(await runReadSlot(source.db, source.slot), undefined)
      assert.match(run('--yes').stdout, /nothing to drop/)
    } finally {
      await remove()
    }
  })
})
