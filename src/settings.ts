/**
 * The names of the settings and what `--help` says of each: a declaration only, light enough for the
 * CLI to list without loading anything else. config.ts reads and validates them.
 */

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
  EXTRACT_MODE:
    'cursor (default: reads changed rows by last_updated) or logical (pgoutput decoding of a replication slot; docs/OPERATIONS.md, Logical CDC)',
  CDC_SLOT: 'logical mode: the replication slot name; default totesys_etl',
  CDC_PUBLICATION: 'logical mode: the publication of the 11 tables; default totesys_etl',
  CDC_WAL_ALERT: 'logical mode: WAL the slot may retain before an alert fires, e.g. 512MB, 2GB; default 1GB',
  PURCHASE_FACT_TABLE: 'fact_purchase_orders (default) or fact_purchase_order',
  DATA_DIR: 'folder for the embedded defaults; default .data',
  ALERT_WEBHOOK_URL: 'optional http(s) URL that receives every alert as a JSON POST',
  FRESHNESS_ALERT: 'freshness above which an alert fires, e.g. 10m; default 10m',
  FX_DAYS: 'how many days up to today the daily FX fetch re-reads, 1 to 92; default 4',
  FX_PROVIDER_URL: 'a Frankfurter-compatible FX provider URL; default https://api.frankfurter.app',
  DATASETS:
    'external JSON datasets to pick up: a JSON array (docs/OPERATIONS.md, JSON datasets); default none',
  LOG_LEVEL: 'debug, info (default), warn or error: the least severe log line shown',
  LOG_FORMAT: 'text (lines for a person) or json (one JSON object a line); default text on a terminal',
} as const
export type SettingName = keyof typeof SETTINGS

export type Settings = Partial<Record<SettingName, string | undefined>>

/** How errors and `check` name each system: what it is, and the setting that points at it. */
export const SYSTEM_NAMES = {
  source: 'source (TOTESYS_DB_URL)',
  warehouse: 'warehouse (WAREHOUSE_DB_URL)',
  ingestion: 'ingestion store (INGESTION_STORE)',
  processed: 'processed store (PROCESSED_STORE)',
} as const
