/**
 * Writes processed batches (parquet per warehouse table + manifest) the way the transform does, so load
 * tests need not wait for it: DuckDB creates a table with the catalogue's columns, fills it, COPYs it to
 * parquet; the manifest carries rows and sha256 and is created last (the commit point).
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api'
import { manifestKey, newAttemptId, toPartitionedKey } from '../../src/core/batch-id.ts'
import {
  PROCESSED_FORMAT,
  PROCESSED_MANIFEST,
  type ProcessedManifest,
  type ProcessedTableEntry,
} from '../../src/core/manifests/processed.ts'
import { quoteIdent } from '../../src/core/sql-ident.ts'
import {
  WAREHOUSE_TABLES,
  type WarehouseTable,
  type WarehouseType,
  warehouseTable,
} from '../../src/core/warehouse-catalogue.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'

export type FixtureValue = string | number | boolean | null
export type FixtureRow = Readonly<Record<string, FixtureValue>>

export interface FixtureBatch {
  readonly batchId: string
  readonly sourceCreatedAt?: string
  readonly watermarks?: ProcessedManifest['watermarks']
  /** Rows per table (values as text, numbers or booleans), or a DuckDB SELECT giving the table's columns. */
  readonly tables: Partial<Record<WarehouseTable, readonly FixtureRow[] | { readonly select: string }>>
}

const DUCKDB_TYPE: Record<WarehouseType, string> = {
  int4: 'INTEGER',
  varchar: 'VARCHAR',
  date: 'DATE',
  time: 'TIME',
  numeric: 'DECIMAL(10,2)',
  'numeric(10,2)': 'DECIMAL(10,2)',
  bool: 'BOOLEAN',
}

let connection: Promise<DuckDBConnection> | undefined
function duckdb(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' }).then((i) =>
    i.connect(),
  )
  return connection
}

async function runWriteParquet(
  table: WarehouseTable,
  content: readonly FixtureRow[] | { readonly select: string },
  path: string,
): Promise<number> {
  const db = await duckdb()
  const def = warehouseTable(table)
  const name = quoteIdent(`fixture_${table}`)
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${name} (${def.columns.map((c) => `${quoteIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ')})`,
  )
  if ('select' in content) {
    await db.run(`INSERT INTO ${name} ${content.select}`)
  } else {
    const placeholders = def.columns.map((c, i) => `CAST($${i + 1} AS ${DUCKDB_TYPE[c.type]})`).join(', ')
    for (const row of content) {
      const values = def.columns.map((c) => {
        const value = row[c.name]
        if (value === undefined) throw new Error(`fixture row for ${table} lacks ${c.name}`)
        return typeof value === 'number' && c.type !== 'int4' ? String(value) : (value as DuckDBValue)
      })
      await db.run(`INSERT INTO ${name} VALUES (${placeholders})`, values)
    }
  }
  const reader = await db.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${name}`)
  const rows = Number(reader.getRowObjectsJson()[0]?.n ?? 0)
  if (rows > 0)
    await db.run(`COPY ${name} TO '${path.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`)
  return rows
}

/** Writes one processed batch (parquet files, then the manifest) and returns its manifest. */
export async function writeProcessedBatch(
  store: ObjectStore,
  batch: FixtureBatch,
): Promise<ProcessedManifest> {
  const createdAt = batch.sourceCreatedAt ?? '2024-02-23 12:00:00.000'
  const dir = await mkdtemp(join(tmpdir(), 'processed-fixture-'))
  try {
    const tables: ProcessedTableEntry[] = []
    for (const table of WAREHOUSE_TABLES) {
      const content = batch.tables[table]
      if (content === undefined) continue
      const path = join(dir, `${table}.parquet`)
      const rows = await runWriteParquet(table, content, path)
      if (rows === 0) {
        tables.push({ table, key: null, rows: 0, sha256: null })
        continue
      }
      const bytes = await readFile(path)
      const key = toPartitionedKey(table, createdAt, batch.batchId, newAttemptId(), 'parquet')
      await store.putFile(key, path)
      tables.push({ table, key, rows, sha256: createHash('sha256').update(bytes).digest('hex') })
    }
    const manifest: ProcessedManifest = {
      format: PROCESSED_FORMAT,
      batchId: batch.batchId,
      sourceCreatedAt: createdAt,
      watermarks: batch.watermarks ?? {},
      tables,
      quarantined: [],
    }
    if (!(await store.createIfAbsent(manifestKey(batch.batchId), PROCESSED_MANIFEST.serialise(manifest)))) {
      throw new Error(`processed batch ${batch.batchId} exists already`)
    }
    return manifest
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** A DuckDB SELECT of dim_date rows for every day from `from` to `to` (ISO dates, inclusive). */
export function dimDateSelect(from: string, to: string): { select: string } {
  return {
    select: `SELECT d::DATE, year(d), month(d), day(d), isodow(d), dayname(d), monthname(d), quarter(d)
      FROM range(DATE '${from}', DATE '${to}' + INTERVAL 1 DAY, INTERVAL 1 DAY) AS t(d)`,
  }
}

/** dim_date rows for every day from `from` to `to`, as the transform would write them. */
export function dimDateRows(from: string, to: string): FixtureRow[] {
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
  const months = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ]
  const out: FixtureRow[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const d = new Date(t)
    const month = d.getUTCMonth()
    out.push({
      date_id: d.toISOString().slice(0, 10),
      year: d.getUTCFullYear(),
      month: month + 1,
      day: d.getUTCDate(),
      day_of_week: d.getUTCDay() === 0 ? 7 : d.getUTCDay(),
      day_name: days[d.getUTCDay()] ?? '',
      month_name: months[month] ?? '',
      quarter: Math.floor(month / 3) + 1,
    })
  }
  return out
}

export const aDimStaff = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  staff_id: 1,
  first_name: 'Jeremie',
  last_name: 'Franey',
  department_name: 'Purchasing',
  location: 'Manchester',
  email_address: 'jeremie.franey@terrifictotes.com',
  ...o,
})

export const aDimLocation = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  location_id: 1,
  address_line_1: '6826 Herzog Via',
  address_line_2: null,
  district: 'Avon',
  city: 'New Patienceburgh',
  postal_code: '28441',
  country: 'Turkey',
  phone: '1803 637401',
  ...o,
})

export const aDimCounterparty = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  counterparty_id: 1,
  counterparty_legal_name: 'Fahey and Sons',
  counterparty_legal_address_line_1: '605 Haskell Trafficway',
  counterparty_legal_address_line_2: 'Axel Freeway',
  counterparty_legal_district: null,
  counterparty_legal_city: 'East Bobbie',
  counterparty_legal_postal_code: '88253-4257',
  counterparty_legal_country: 'Heard Island and McDonald Islands',
  counterparty_legal_phone_number: '9687 937447',
  ...o,
})

export const aDimCurrency = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  currency_id: 1,
  currency_code: 'GBP',
  currency_name: 'Pound Sterling',
  ...o,
})

export const aDimDesign = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  design_id: 1,
  design_name: 'Wooden',
  file_location: '/usr',
  file_name: 'wooden-20220717-npgz.json',
  ...o,
})

export const aDimPaymentType = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  payment_type_id: 1,
  payment_type_name: 'SALES_RECEIPT',
  ...o,
})

export const aDimTransaction = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  transaction_id: 1,
  transaction_type: 'SALE',
  sales_order_id: 1,
  purchase_order_id: null,
  ...o,
})

export const aFactSalesOrder = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  sales_order_id: 1,
  created_date: '2024-02-01',
  created_time: '10:00:00.000',
  last_updated_date: '2024-02-01',
  last_updated_time: '10:00:00.000',
  sales_staff_id: 1,
  counterparty_id: 1,
  units_sold: 100,
  unit_price: '2.50',
  currency_id: 1,
  design_id: 1,
  agreed_payment_date: '2024-02-05',
  agreed_delivery_date: '2024-02-04',
  agreed_delivery_location_id: 1,
  ...o,
})

export const aFactPurchaseOrder = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  purchase_order_id: 1,
  created_date: '2024-02-01',
  created_time: '11:00:00.000',
  last_updated_date: '2024-02-01',
  last_updated_time: '11:00:00.000',
  staff_id: 1,
  counterparty_id: 1,
  item_code: 'ZDOI5EA',
  item_quantity: 371,
  item_unit_price: '361.39',
  currency_id: 1,
  agreed_delivery_date: '2024-02-06',
  agreed_payment_date: '2024-02-07',
  agreed_delivery_location_id: 1,
  ...o,
})

export const aFactPayment = (o: Partial<FixtureRow> = {}): FixtureRow => ({
  payment_id: 1,
  created_date: '2024-02-01',
  created_time: '12:00:00.000',
  last_updated_date: '2024-02-01',
  last_updated_time: '12:00:00.000',
  transaction_id: 1,
  counterparty_id: 1,
  payment_amount: '56925.44',
  currency_id: 1,
  payment_type_id: 1,
  paid: false,
  payment_date: '2024-02-08',
  ...o,
})

/**
 * A batch with `rows` sales-order versions (ids firstId.., all last updated at one time) and the
 * dimensions they reference: for kill, concurrency and throughput tests.
 */
export function largeSalesBatch(
  batchId: string,
  rows: number,
  options: { firstId?: number; lastUpdatedTime?: string } = {},
): FixtureBatch {
  const firstId = options.firstId ?? 1
  const time = options.lastUpdatedTime ?? '09:00:00.000'
  return {
    batchId,
    watermarks: { sales_order: `2024-02-20 ${time}` },
    tables: {
      dim_date: dimDateSelect('2024-01-01', '2024-03-31'),
      dim_staff: [aDimStaff(), aDimStaff({ staff_id: 2, first_name: 'Deron' })],
      dim_location: [aDimLocation(), aDimLocation({ location_id: 2, city: 'Aliso Viejo' })],
      dim_currency: [aDimCurrency()],
      dim_design: [aDimDesign(), aDimDesign({ design_id: 2, design_name: 'Steel' })],
      dim_counterparty: [aDimCounterparty(), aDimCounterparty({ counterparty_id: 2 })],
      fact_sales_order: {
        select: `SELECT (i + ${firstId})::INTEGER, DATE '2024-02-01' + (i % 19)::INTEGER,
            TIME '09:00:00' + to_milliseconds(i % 3600000), DATE '2024-02-20', TIME '${time}',
            (i % 2 + 1)::INTEGER, (i % 2 + 1)::INTEGER, (i % 1000)::INTEGER,
            (i % 100000)::DECIMAL(10,2) / 100, 1, (i % 2 + 1)::INTEGER, DATE '2024-03-01' + (i % 20)::INTEGER,
            DATE '2024-03-01' + (i % 25)::INTEGER, (i % 2 + 1)::INTEGER
          FROM range(${rows}) AS t(i)`,
      },
    },
  }
}
