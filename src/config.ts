/**
 * The only reader of process.env. Every setting is parsed and validated once, here, with a clear
 * message; CLI flags override the environment under the same names (`--totesys-db-url` = TOTESYS_DB_URL).
 */
import { resolve } from 'node:path'
import { parseDuration } from './core/duration.ts'
import { ConfigError } from './core/errors.ts'
import { redactUrl } from './core/redact.ts'
import { type DatasetConfig, parseDatasets } from './datasets/dataset-config.ts'

export type DbLocation =
  | { readonly kind: 'server'; readonly url: string }
  /** PGlite; `path` undefined means in memory (tests). */
  | { readonly kind: 'embedded'; readonly path: string | undefined }

export type StoreLocation =
  | { readonly kind: 'folder'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }

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
}

/** The settings, their environment names and defaults, as `--help` shows them. */
export const SETTINGS = {
  TOTESYS_DB_URL:
    'source database: postgres:// URL, or pglite:<dir> / pglite:memory; default embedded .data/totesys',
  WAREHOUSE_DB_URL:
    'warehouse database: postgres:// URL, or pglite:<dir> / pglite:memory; default .data/warehouse',
  INGESTION_STORE: 'ingestion store: folder path or s3://bucket[/prefix]; default .data/ingestion',
  PROCESSED_STORE: 'processed store: folder path or s3://bucket[/prefix]; default .data/processed',
  S3_ENDPOINT: 'optional S3-compatible endpoint URL (credentials come the standard AWS ways)',
  EXTRACT_LAG: 'how far back each extract re-reads for late commits, e.g. 2m, 90s; default 2m',
  EXTRACT_BATCH_ROWS:
    'most rows per ingestion batch; a larger backlog becomes several batches; default 250000',
  PURCHASE_FACT_TABLE: 'fact_purchase_orders (default) or fact_purchase_order',
  DATA_DIR: 'folder for the embedded defaults; default .data',
  ALERT_WEBHOOK_URL: 'optional http(s) URL that receives every alert as a JSON POST',
  FRESHNESS_ALERT: 'freshness above which an alert fires, e.g. 10m; default 10m',
  DATASETS:
    'external JSON datasets to pick up: a JSON array (docs/OPERATIONS.md, JSON datasets); default none',
} as const
export type SettingName = keyof typeof SETTINGS

export type Settings = Partial<Record<SettingName, string | undefined>>

/** Parses settings (environment merged with flags) into a typed Config, or throws ConfigError. */
export function loadConfig(env: Settings, overrides: Settings = {}): Config {
  const get = (name: SettingName): string | undefined => {
    const value = overrides[name] ?? env[name]
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
  const endpoint = get('S3_ENDPOINT')
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) {
    throw new ConfigError(`S3_ENDPOINT must be an http(s) URL; got '${redactUrl(endpoint)}'`)
  }
  const webhook = get('ALERT_WEBHOOK_URL')
  if (webhook !== undefined && !/^https?:\/\//.test(webhook)) {
    throw new ConfigError(`ALERT_WEBHOOK_URL must be an http(s) URL; got '${redactUrl(webhook)}'`)
  }
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
    s3Endpoint: endpoint,
    extractLagMs,
    extractBatchRows: Number(batchRows),
    purchaseFactTable: purchase as PurchaseFactTable,
    dataDir,
    alertWebhookUrl: webhook,
    freshnessAlertMs: parseDuration(get('FRESHNESS_ALERT') ?? '10m', 'FRESHNESS_ALERT'),
    datasets: parseDatasets(get('DATASETS')),
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
