import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../../core/errors.ts'
import { LAMBDA_DATA_DIR, lambdaDeps, resolveLambdaSettings } from './lambda-deps.ts'

const ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:totesys-etl/totesys-db-AbCdEf'
const secrets = (values: Record<string, string>) => {
  const reads: string[] = []
  const read = async (arn: string) => {
    reads.push(arn)
    const value = values[arn]
    if (value === undefined) throw new ConfigError(`no secret ${arn}`)
    return value
  }
  return { read, reads }
}

describe('resolveLambdaSettings', () => {
  it('reads the URL of each needed database from its secret, and only those', async () => {
    const { read, reads } = secrets({ [ARN]: '{"url":"postgres://u:p@source:5432/totesys"}' })
    const settings = await resolveLambdaSettings(
      {
        TOTESYS_DB_SECRET_ARN: ARN,
        WAREHOUSE_DB_SECRET_ARN: 'not-read',
        INGESTION_STORE: 's3://ingest',
        PATH: '/bin',
      },
      ['TOTESYS_DB_URL'],
      read,
    )
    // A URL without sslmode gets verified TLS (src/io/secrets.ts).
    assert.equal(settings.TOTESYS_DB_URL, 'postgres://u:p@source:5432/totesys?sslmode=verify-full')
    assert.equal(settings.WAREHOUSE_DB_URL, undefined)
    assert.equal(settings.INGESTION_STORE, 's3://ingest')
    assert.equal(settings.DATA_DIR, LAMBDA_DATA_DIR)
    assert.equal((settings as Record<string, unknown>).PATH, undefined)
    assert.deepEqual(reads, [ARN])
  })

  it('lets a URL in the environment win over the secret', async () => {
    const { read, reads } = secrets({})
    const settings = await resolveLambdaSettings(
      { TOTESYS_DB_URL: 'postgres://local/totesys', TOTESYS_DB_SECRET_ARN: ARN, DATA_DIR: '/tmp/x' },
      ['TOTESYS_DB_URL'],
      read,
    )
    assert.equal(settings.TOTESYS_DB_URL, 'postgres://local/totesys')
    assert.equal(settings.DATA_DIR, '/tmp/x')
    assert.deepEqual(reads, [])
  })

  it('fails clearly when a needed database has neither', async () => {
    await assert.rejects(
      resolveLambdaSettings({}, ['WAREHOUSE_DB_URL'], secrets({}).read),
      (e: Error) => e instanceof ConfigError && /WAREHOUSE_DB_SECRET_ARN is not set/.test(e.message),
    )
  })
})

describe('lambdaDeps', () => {
  it('builds once while it succeeds, and retries after a failure', async () => {
    let fail = true
    let reads = 0
    const read = async () => {
      reads++
      if (fail) throw new Error('not yet')
      return '{"url":"postgres://u:p@source:5432/totesys"}'
    }
    const env = {
      TOTESYS_DB_SECRET_ARN: ARN,
      INGESTION_STORE: 's3://ingest',
      PROCESSED_STORE: 's3://processed',
    }
    const getDeps = lambdaDeps(env, ['TOTESYS_DB_URL'], { readSecret: read })
    await assert.rejects(getDeps(), /not yet/)
    fail = false
    const deps = await getDeps()
    assert.equal(await getDeps(), deps)
    assert.equal(reads, 2)
    assert.deepEqual(deps.config.totesysDb, {
      kind: 'server',
      url: 'postgres://u:p@source:5432/totesys?sslmode=verify-full',
    })
    assert.deepEqual(deps.config.ingestionStore, { kind: 's3', bucket: 'ingest', prefix: '' })
    await deps.close()
  })
  it('refuses an FX_DAYS out of range instead of falling back to a default', async () => {
    const getDeps = lambdaDeps({ FX_DAYS: '0', WAREHOUSE_DB_URL: 'pglite:memory' }, ['WAREHOUSE_DB_URL'], {
      readSecret: secrets({}).read,
    })
    await assert.rejects(
      getDeps(),
      (e: Error) => e instanceof ConfigError && /FX_DAYS must be 1 to 92; got '0'/.test(e.message),
    )
  })
})
