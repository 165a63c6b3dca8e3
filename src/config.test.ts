import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { describeLocation, knownSecrets, loadConfig, loadEnvFile, loadOutputSettings } from './config.ts'
import { parseDuration } from './core/duration.ts'
import { ConfigError } from './core/errors.ts'

describe('loadConfig', () => {
  it('defaults to embedded databases and folder stores under .data', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/x' })
    assert.deepEqual(config.totesysDb, { kind: 'embedded', path: '/tmp/x/totesys' })
    assert.deepEqual(config.warehouseDb, { kind: 'embedded', path: '/tmp/x/warehouse' })
    assert.deepEqual(config.ingestionStore, { kind: 'folder', path: '/tmp/x/ingestion' })
    assert.deepEqual(config.processedStore, { kind: 'folder', path: '/tmp/x/processed' })
    assert.equal(config.extractLagMs, 120_000)
    assert.equal(config.extractBatchRows, 250_000)
    assert.equal(config.purchaseFactTable, 'fact_purchase_orders')
  })

  it('reads URLs, S3 locations and overrides (flags win over the environment)', () => {
    const config = loadConfig(
      {
        TOTESYS_DB_URL: 'postgres://etl:pw@db:5432/totesys',
        INGESTION_STORE: 's3://my-lake/ingest/v1/',
        EXTRACT_LAG: '90s',
        EXTRACT_BATCH_ROWS: '5000',
        WAREHOUSE_DB_URL: 'pglite:memory',
      },
      { PROCESSED_STORE: 's3://my-lake', PURCHASE_FACT_TABLE: 'fact_purchase_order' },
    )
    assert.deepEqual(config.totesysDb, { kind: 'server', url: 'postgres://etl:pw@db:5432/totesys' })
    assert.deepEqual(config.warehouseDb, { kind: 'embedded', path: undefined })
    assert.deepEqual(config.ingestionStore, { kind: 's3', bucket: 'my-lake', prefix: 'ingest/v1' })
    assert.deepEqual(config.processedStore, { kind: 's3', bucket: 'my-lake', prefix: '' })
    assert.equal(config.extractLagMs, 90_000)
    assert.equal(config.extractBatchRows, 5000)
    assert.equal(config.purchaseFactTable, 'fact_purchase_order')
  })

  it('reads the FX settings and the region of an S3-compatible endpoint, with their defaults', () => {
    const defaults = loadConfig({})
    assert.equal(defaults.fxDays, 4)
    assert.equal(defaults.fxProviderUrl, undefined)
    assert.equal(defaults.s3Region, undefined)
    const set = loadConfig(
      { FX_DAYS: '7', FX_PROVIDER_URL: 'http://127.0.0.1:9/fx', AWS_REGION: 'eu-west-2' },
      { FX_DAYS: '9' },
    )
    assert.equal(set.fxDays, 9, 'a flag wins over the environment')
    assert.equal(set.fxProviderUrl, 'http://127.0.0.1:9/fx')
    assert.equal(set.s3Region, 'eu-west-2')
  })

  const bad: [string, Record<string, string>, RegExp][] = [
    ['an unknown scheme', { TOTESYS_DB_URL: 'mysql://u:hunter2@h/db' }, /TOTESYS_DB_URL must be/],
    ['a bad bucket', { INGESTION_STORE: 's3://Bad_Bucket' }, /invalid bucket name/],
    ['another URL scheme for a store', { PROCESSED_STORE: 'gs://x' }, /folder path or s3/],
    ['a bad lag', { EXTRACT_LAG: 'soon' }, /EXTRACT_LAG must be a duration/],
    ['a zero batch size', { EXTRACT_BATCH_ROWS: '0' }, /EXTRACT_BATCH_ROWS must be a positive whole number/],
    ['a fractional batch size', { EXTRACT_BATCH_ROWS: '1.5' }, /EXTRACT_BATCH_ROWS must be a positive/],
    [
      'a bad fact name',
      { PURCHASE_FACT_TABLE: 'purchases; drop table x' },
      /PURCHASE_FACT_TABLE must be one of/,
    ],
    ['a bad endpoint', { S3_ENDPOINT: 'ftp://x' }, /S3_ENDPOINT must be/],
    ['no FX days', { FX_DAYS: '0' }, /FX_DAYS must be 1 to 92; got '0'/],
    ['too many FX days', { FX_DAYS: '93' }, /FX_DAYS must be 1 to 92; got '93'/],
    ['FX days that are not a number', { FX_DAYS: 'four' }, /FX_DAYS must be 1 to 92/],
    ['a bad FX provider', { FX_PROVIDER_URL: 'frankfurter' }, /FX_PROVIDER_URL must be an http\(s\) URL/],
  ]
  for (const [name, env, message] of bad) {
    it(`rejects ${name} with a clear ConfigError`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      )
    })
  }

  it('never puts a password in an error message or a description', () => {
    try {
      loadConfig({ WAREHOUSE_DB_URL: 'mysql://etl:hunter2@db/warehouse' })
      assert.fail('expected a ConfigError')
    } catch (error) {
      assert.doesNotMatch(String(error), /hunter2/)
    }
    const config = loadConfig({ TOTESYS_DB_URL: 'postgres://etl:hunter2@db/totesys' })
    assert.equal(describeLocation(config.totesysDb), 'postgres://etl:***@db/totesys')
  })
})

describe('parseDuration', () => {
  for (const [text, ms] of [
    ['250ms', 250],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['5', 5000],
  ] as const) {
    it(`reads ${text}`, () => assert.equal(parseDuration(text, 'X'), ms))
  }
})

describe('the .env file, the environment and flags', () => {
  const withFile = async (text: string, fn: (path: string) => void | Promise<void>) => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const dir = await mkdtemp(join(tmpdir(), 'etl-env-'))
    try {
      await writeFile(join(dir, '.env'), text)
      await fn(join(dir, '.env'))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  it('fills what the environment lacks; the environment wins over the file, flags over both', async () => {
    await withFile(
      '# the tour\nTOTESYS_DB_URL=postgres://u@h/from_file\nWAREHOUSE_DB_URL="postgres://u@h/wh_file"\nEXTRACT_LAG=90s\n',
      (path) => {
        const env: Record<string, string | undefined> = { WAREHOUSE_DB_URL: 'postgres://u@h/wh_env' }
        assert.deepEqual(loadEnvFile(env, path).sort(), ['EXTRACT_LAG', 'TOTESYS_DB_URL'])
        const config = loadConfig(env as Record<string, string>, { EXTRACT_LAG: '5m' })
        assert.deepEqual(config.totesysDb, { kind: 'server', url: 'postgres://u@h/from_file' })
        assert.deepEqual(config.warehouseDb, { kind: 'server', url: 'postgres://u@h/wh_env' })
        assert.equal(config.extractLagMs, 300_000)
      },
    )
  })

  it('ignores a missing .env, but not a missing --dotenv file', () => {
    assert.deepEqual(loadEnvFile({}, '/nonexistent/.env'), [])
    assert.throws(
      () => loadEnvFile({}, '/nonexistent/.env', { required: true }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /cannot read the settings file \/nonexistent\/.env: ENOENT/.test(e.message),
    )
  })
})

describe('loadOutputSettings', () => {
  for (const [env, expected] of [
    [{}, { logLevel: 'info', logFormat: undefined, color: undefined }],
    [
      { LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'JSON' },
      { logLevel: 'debug', logFormat: 'json', color: undefined },
    ],
    [
      { LOG_LEVEL: 'warning', LOG_FORMAT: 'text', NO_COLOR: '1' },
      { logLevel: 'warn', logFormat: 'text', color: false },
    ],
    [{ FORCE_COLOR: '1' }, { logLevel: 'info', logFormat: undefined, color: true }],
    [{ FORCE_COLOR: '0' }, { logLevel: 'info', logFormat: undefined, color: false }],
    [{ NO_COLOR: '' }, { logLevel: 'info', logFormat: undefined, color: undefined }],
  ] as const) {
    it(`reads ${JSON.stringify(env)}`, () => assert.deepEqual(loadOutputSettings(env), expected))
  }
  it('lets a flag win and rejects nonsense', () => {
    assert.equal(loadOutputSettings({ LOG_LEVEL: 'info' }, { LOG_LEVEL: 'error' }).logLevel, 'error')
    assert.throws(
      () => loadOutputSettings({ LOG_LEVEL: 'loud' }),
      /LOG_LEVEL must be one of debug, info, warn, error/,
    )
    assert.throws(() => loadOutputSettings({ LOG_FORMAT: 'xml' }), /LOG_FORMAT must be one of text, json/)
  })
})

describe('knownSecrets', () => {
  it('collects every credential the settings hold', () => {
    const secrets = knownSecrets({
      TOTESYS_DB_URL: 'postgres://u:p%40ss1@h/db',
      WAREHOUSE_DB_URL: 'postgres://u@h/db?sslpassword=key-secret',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/tok',
    })
    for (const s of ['p@ss1', 'key-secret', 'aws-secret', 'https://hooks.example.com/services/T0/B0/tok'])
      assert.ok(secrets.includes(s), s)
  })
})
