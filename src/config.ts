/**
 * The only reader of process.env. Every setting is parsed and validated once, here, with a clear
 * message; CLI flags override the environment under the same names (`--totesys-db-url` = TOTESYS_DB_URL).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { type DatasetConfig, parseDatasets } from './core/dataset-config.ts'
import { parseDuration } from './core/duration.ts'
import { ConfigError } from './core/errors.ts'
import { redactUrl, secretsOfUrl } from './core/redact.ts'
import type { SettingName, Settings } from './settings.ts'

export type DbLocation =
  | { readonly kind: 'server'; readonly url: string }
  /** PGlite; `path` undefined means in memory (tests). */
  | { readonly kind: 'embedded'; readonly path: string | undefined }

export type StoreLocation =
  | { readonly kind: 'folder'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }

export const EXTRACT_MODES = ['cursor', 'logical'] as const
export type ExtractMode = (typeof EXTRACT_MODES)[number]

/** A byte size such as `512MB`, `2GB`, `1048576` (units of 1024), or ConfigError naming `name`. */
export function parseByteSize(value: string, name: string): number {
  const m = /^(\d+)\s*(B|kB|KB|MB|GB|TB)?$/i.exec(value)
  if (!m) throw new ConfigError(`${name} must be a size such as 512MB or 2GB; got '${value}'`)
  const unit = (m[2] ?? 'B').toUpperCase()
  const power = ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(unit)
  return Number(m[1]) * 1024 ** power
}

/** A slot or publication name as PostgreSQL takes it unquoted, or ConfigError naming `name`. */
function parseSlotName(value: string, name: string): string {
  if (!/^[a-z0-9_]{1,63}$/.test(value))
    throw new ConfigError(`${name} must be 1 to 63 lower-case letters, digits or _; got '${value}'`)
  return value
}

export const PURCHASE_FACT_TABLES = ['fact_purchase_orders', 'fact_purchase_order'] as const
export type PurchaseFactTable = (typeof PURCHASE_FACT_TABLES)[number]

export interface Config {
  readonly totesysDb: DbLocation
  readonly warehouseDb: DbLocation
  readonly ingestionStore: StoreLocation
  readonly processedStore: StoreLocation
  /** Optional S3-compatible endpoint (tests, MinIO); unset = AWS. */
  readonly s3Endpoint: string | undefined
  /** How far back each extract re-reads to catch rows committed late with an older `last_updated`. */
  readonly extractLagMs: number
  /** The most rows one ingestion batch holds; a larger backlog becomes several batches. */
  readonly extractBatchRows: number
  /** How the extract finds changes: `cursor` (last_updated windows) or `logical` (a pgoutput slot). */
  readonly extractMode: ExtractMode
  /** Logical mode: the slot and publication names, and the retained WAL (bytes) that raises an alert. */
  readonly cdc: { readonly slot: string; readonly publication: string; readonly walAlertBytes: number }
  /** The warehouse's name for the purchase fact (the brief's plural or the ERD's singular). */
  readonly purchaseFactTable: PurchaseFactTable
  /** Where embedded defaults live. */
  readonly dataDir: string
  /** Optional URL that receives each alert as a JSON POST (locally; SNS does this in AWS). */
  readonly alertWebhookUrl: string | undefined
  /** Freshness (seconds from the newest loaded change to now) above which an alert fires. */
  readonly freshnessAlertMs: number
  /** The external JSON datasets to pick up (DATASETS); empty when unset. */
  readonly datasets: readonly DatasetConfig[]
  /** How many days up to today the daily FX fetch re-reads (FX_DAYS, 1 to 92). */
  readonly fxDays: number
  /** A Frankfurter-compatible FX provider (FX_PROVIDER_URL); undefined = the public one. */
  readonly fxProviderUrl: string | undefined
  /** The region an S3-compatible endpoint is addressed in (AWS_REGION); undefined = us-east-1. */
  readonly s3Region: string | undefined
}

type Environment = Readonly<Record<string, string | undefined>>

/**
 * The process's environment: the one place it is read. The CLI's `.env` file adds to this same object, so
 * what the file sets reaches the AWS SDK and the PostgreSQL driver as if exported.
 */
export function processEnvironment(): Record<string, string | undefined> {
  return process.env
}

/** The most days one FX fetch may re-read (a quarter: one stream batch). */
export const MAX_FX_DAYS = 92

/** Parses a day count for the FX fetch (FX_DAYS, `fx fetch --days`), or throws ConfigError naming `name`. */
export function parseFxDays(value: string, name: string): number {
  const days = Number(value)
  if (!Number.isInteger(days) || days < 1 || days > MAX_FX_DAYS)
    throw new ConfigError(`${name} must be 1 to ${MAX_FX_DAYS}; got '${value}'`)
  return days
}

/** An optional http(s) URL setting, or ConfigError. */
function parseHttpUrl(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^https?:\/\//.test(value)) {
    throw new ConfigError(`${name} must be an http(s) URL; got '${redactUrl(value)}'`)
  }
  return value
}

export { SETTINGS, type SettingName, type Settings } from './settings.ts'

/** Parses settings (environment merged with flags) into a typed Config, or throws ConfigError. */
export function loadConfig(env: Settings | Environment, overrides: Settings = {}): Config {
  const get = (name: SettingName | 'AWS_REGION'): string | undefined => {
    const value = (overrides as Environment)[name] ?? (env as Environment)[name]
    return value === undefined || value.trim() === '' ? undefined : value.trim()
  }
  const dataDir = resolve(get('DATA_DIR') ?? '.data')
  const purchase = get('PURCHASE_FACT_TABLE') ?? 'fact_purchase_orders'
  if (!(PURCHASE_FACT_TABLES as readonly string[]).includes(purchase)) {
    throw new ConfigError(
      `PURCHASE_FACT_TABLE must be one of ${PURCHASE_FACT_TABLES.join(', ')}; got '${purchase}'`,
    )
  }
  const lag = get('EXTRACT_LAG') ?? '2m'
  const extractLagMs = parseDuration(lag, 'EXTRACT_LAG')
  const batchRows = get('EXTRACT_BATCH_ROWS') ?? '250000'
  if (!/^\d+$/.test(batchRows) || Number(batchRows) < 1) {
    throw new ConfigError(`EXTRACT_BATCH_ROWS must be a positive whole number; got '${batchRows}'`)
  }
  const mode = get('EXTRACT_MODE') ?? 'cursor'
  if (!(EXTRACT_MODES as readonly string[]).includes(mode))
    throw new ConfigError(`EXTRACT_MODE must be one of ${EXTRACT_MODES.join(', ')}; got '${mode}'`)
  return {
    totesysDb: parseDbLocation('TOTESYS_DB_URL', get('TOTESYS_DB_URL'), resolve(dataDir, 'totesys')),
    warehouseDb: parseDbLocation('WAREHOUSE_DB_URL', get('WAREHOUSE_DB_URL'), resolve(dataDir, 'warehouse')),
    ingestionStore: parseStoreLocation(
      'INGESTION_STORE',
      get('INGESTION_STORE'),
      resolve(dataDir, 'ingestion'),
    ),
    processedStore: parseStoreLocation(
      'PROCESSED_STORE',
      get('PROCESSED_STORE'),
      resolve(dataDir, 'processed'),
    ),
    s3Endpoint: parseHttpUrl('S3_ENDPOINT', get('S3_ENDPOINT')),
    extractLagMs,
    extractBatchRows: Number(batchRows),
    extractMode: mode as ExtractMode,
    cdc: {
      slot: parseSlotName(get('CDC_SLOT') ?? 'totesys_etl', 'CDC_SLOT'),
      publication: parseSlotName(get('CDC_PUBLICATION') ?? 'totesys_etl', 'CDC_PUBLICATION'),
      walAlertBytes: parseByteSize(get('CDC_WAL_ALERT') ?? '1GB', 'CDC_WAL_ALERT'),
    },
    purchaseFactTable: purchase as PurchaseFactTable,
    dataDir,
    alertWebhookUrl: parseHttpUrl('ALERT_WEBHOOK_URL', get('ALERT_WEBHOOK_URL')),
    freshnessAlertMs: parseDuration(get('FRESHNESS_ALERT') ?? '10m', 'FRESHNESS_ALERT'),
    datasets: parseDatasets(get('DATASETS')),
    fxDays: parseFxDays(get('FX_DAYS') ?? '4', 'FX_DAYS'),
    fxProviderUrl: parseHttpUrl('FX_PROVIDER_URL', get('FX_PROVIDER_URL')),
    s3Region: get('AWS_REGION'),
  }
}

/** Parses a database setting: a postgres:// URL, `pglite:memory`, `pglite:<dir>`, or unset (the default dir). */
export function parseDbLocation(name: string, value: string | undefined, defaultPath: string): DbLocation {
  if (value === undefined) return { kind: 'embedded', path: defaultPath }
  if (value === 'pglite:memory') return { kind: 'embedded', path: undefined }
  if (value.startsWith('pglite:')) return { kind: 'embedded', path: resolve(value.slice('pglite:'.length)) }
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      new URL(value)
    } catch {
      throw new ConfigError(`${name} is not a valid URL: ${redactUrl(value)}`)
    }
    return { kind: 'server', url: value }
  }
  throw new ConfigError(
    `${name} must be a postgres:// URL, pglite:<dir> or pglite:memory; got '${redactUrl(value)}'`,
  )
}

/** Parses a store setting: `s3://bucket[/prefix]` or a folder path. */
export function parseStoreLocation(
  name: string,
  value: string | undefined,
  defaultPath: string,
): StoreLocation {
  if (value === undefined) return { kind: 'folder', path: defaultPath }
  if (value.startsWith('s3://')) {
    const rest = value.slice('s3://'.length)
    const [bucket = '', ...prefix] = rest.split('/')
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new ConfigError(`${name} has an invalid bucket name '${bucket}' (expected s3://bucket[/prefix])`)
    }
    return { kind: 's3', bucket, prefix: prefix.filter((p) => p !== '').join('/') }
  }
  if (/^[a-z0-9]+:\/\//i.test(value)) {
    throw new ConfigError(`${name} must be a folder path or s3://bucket[/prefix]; got '${redactUrl(value)}'`)
  }
  return { kind: 'folder', path: resolve(value) }
}

/** A description of a location safe to log (no password). */
export function describeLocation(location: DbLocation | StoreLocation): string {
  switch (location.kind) {
    case 'server':
      return redactUrl(location.url)
    case 'embedded':
      return location.path === undefined ? 'pglite:memory' : `pglite:${location.path}`
    case 'folder':
      return location.path
    case 's3':
      return `s3://${location.bucket}/${location.prefix}`
  }
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export const LOG_FORMATS = ['text', 'json'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

/** How the CLI talks: log level, log format and colour; undefined means "decide by the terminal". */
export interface OutputSettings {
  readonly logLevel: LogLevel
  readonly logFormat: LogFormat | undefined
  readonly color: boolean | undefined
}

/**
 * Reads LOG_LEVEL, LOG_FORMAT, NO_COLOR and FORCE_COLOR (https://no-color.org, https://force-color.org).
 * Apart from loadConfig so that a bad database URL can still be reported in the chosen format.
 */
export function loadOutputSettings(env: Environment, overrides: Settings = {}): OutputSettings {
  const get = (name: string) => {
    const value = (overrides as Environment)[name] ?? env[name]
    return value === undefined || value.trim() === '' ? undefined : value.trim().toLowerCase()
  }
  const level = get('LOG_LEVEL') ?? 'info'
  const aliases: Readonly<Record<string, LogLevel>> = { warning: 'warn', critical: 'error', fatal: 'error' }
  const logLevel = aliases[level] ?? level
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got '${level}'`)
  }
  const format = get('LOG_FORMAT')
  if (format !== undefined && !(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}; got '${format}'`)
  }
  const force = env.FORCE_COLOR
  const color =
    env.NO_COLOR !== undefined && env.NO_COLOR !== ''
      ? false
      : force !== undefined
        ? force !== '0' && force !== 'false'
        : undefined
  return { logLevel: logLevel as LogLevel, logFormat: format as LogFormat | undefined, color }
}

/**
 * Reads a `.env` file (KEY=value lines, as dotenv and Node's --env-file read them) into env for every
 * key env does not already hold: the environment wins over the file, flags win over both. Returns the
 * keys it set; a missing file is no error unless `required`.
 */
export function loadEnvFile(
  env: Record<string, string | undefined>,
  path: string,
  options: { required?: boolean } = {},
): string[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !options.required) return []
    throw new ConfigError(
      `cannot read the settings file ${path}: ${code ?? String(error)}`,
      {},
      { cause: error },
    )
  }
  const loaded: string[] = []
  for (const [key, value] of Object.entries(parseEnv(text))) {
    if (env[key] !== undefined) continue
    env[key] = value
    loaded.push(key)
  }
  return loaded
}

/** Every credential the settings hold (URL passwords, AWS secret keys): redacted verbatim wherever printed. */
export function knownSecrets(env: Environment, overrides: Settings = {}): string[] {
  const all = { ...env, ...overrides } as Environment
  const urls = ['TOTESYS_DB_URL', 'WAREHOUSE_DB_URL', 'S3_ENDPOINT', 'ALERT_WEBHOOK_URL'] as const
  const secrets = urls.flatMap((name) => secretsOfUrl(all[name] ?? ''))
  // A webhook URL is a credential in itself (Slack's hooks hold their token in the path).
  const webhook = all.ALERT_WEBHOOK_URL
  if (webhook) secrets.push(webhook)
  for (const name of ['PGPASSWORD', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
    const value = all[name]
    if (value) secrets.push(value)
  }
  return [...new Set(secrets)]
}
