/**
 * `check` and the extract in logical mode: on the server (wal_level logical) check says logical is
 * possible; on PGlite both check and the extract say it is not, and why, once.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCheck } from '../../src/check/run-check.ts'
import { loadConfig, type Settings } from '../../src/config.ts'
import { ConfigError } from '../../src/core/errors.ts'
import { makeDeps } from '../../src/entrypoints/make-deps.ts'
import { silentLog } from '../../src/log.ts'
import { runExtractStage } from '../../src/service/stages/run-extract-stage.ts'
import { toPipelineDeps } from '../../src/service/stages/stage-deps.ts'
import { createLogicalSource, type LogicalSource } from '../support/logical-source.ts'

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
})
