/**
 * Writes ingestion batches exactly as the extract does: per table a gzip'd COPY CSV (header; NULL = an
 * unquoted empty field, an empty string = `""`; timestamps as PostgreSQL's ISO text) plus the batch
 * manifest, created last. Also row builders for the source tables (`aSalesOrder({ units_sold: '0' })`).
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { gunzipSync, gzipSync } from 'node:zlib'
import {
  batchIdsFromKeys,
  MANIFEST_PREFIX,
  manifestKey,
  toBatchId,
  toPartitionedKey,
} from '../../src/core/batch-id.ts'
import {
  INGESTION_FORMAT,
  INGESTION_MANIFEST,
  type IngestionManifest,
  type IngestionTableEntry,
  type ObservedColumn,
  type TableCursor,
} from '../../src/core/manifests/ingestion.ts'
import {
  SOURCE_TABLES,
  type SourceColumn,
  type SourceTable,
  sourceTable,
} from '../../src/core/source-catalogue.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'

export type FixtureRow = Readonly<Record<string, string | null>>

export interface FixtureTable {
  /** Rows as the source's text values; ignored when csvGzPath is given. */
  readonly rows?: readonly FixtureRow[]
  /** The columns the source had (default: the catalogue's). */
  readonly columns?: readonly ObservedColumn[]
  /** A ready gzip'd CSV file (big fixtures), with its row count. */
  readonly csvGzPath?: string
  readonly rowCount?: number
}

const PG_TYPES: Record<string, string> = {
  int4: 'integer',
  text: 'text',
  varchar: 'character varying(3)',
  timestamp: 'timestamp(3) without time zone',
  numeric: 'numeric(10,2)',
  bool: 'boolean',
}

/** The catalogue's columns of a table, as the extract would observe them. */
export function catalogueColumns(table: SourceTable): ObservedColumn[] {
  return sourceTable(table).columns.map((c: SourceColumn) => ({
    name: c.name,
    type: c.type,
    pgType:
      c.type === 'enum'
        ? table === 'payment_type'
          ? '"PaymentTypeName"'
          : '"TransactionType"'
        : (PG_TYPES[c.type] ?? c.type),
    nullable: c.nullable,
  }))
}

function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (value === '' || /[",\n\r]/.test(value)) return `"${value.replaceAll('"', '""')}"`
  return value
}

/** Rows as PostgreSQL's `COPY … (FORMAT csv, HEADER true)` would print them. */
export function toCopyCsv(columns: readonly ObservedColumn[], rows: readonly FixtureRow[]): string {
  const lines = [columns.map((c) => csvField(c.name)).join(',')]
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c.name])).join(','))
  return `${lines.join('\n')}\n`
}

/** Writes one committed ingestion batch (the next sequence number) and returns its manifest. */
export async function writeIngestionBatch(
  store: ObjectStore,
  input: {
    readonly createdAt?: string
    readonly tables: Partial<Record<SourceTable, readonly FixtureRow[] | FixtureTable>>
    readonly replayOf?: readonly string[]
  },
): Promise<IngestionManifest> {
  const existing = batchIdsFromKeys(await store.list(MANIFEST_PREFIX))
  const batchId = toBatchId(existing.length === 0 ? 1 : Number(existing.at(-1)) + 1)
  const createdAt = input.createdAt ?? '2024-02-23 12:00:00.000'
  const entries: IngestionTableEntry[] = []
  const cursors = {} as Record<SourceTable, TableCursor>
  for (const table of SOURCE_TABLES) {
    const given = input.tables[table]
    const spec: FixtureTable = Array.isArray(given)
      ? { rows: given }
      : ((given as FixtureTable | undefined) ?? {})
    const columns = spec.columns ?? catalogueColumns(table)
    const fingerprint = createHash('sha256').update(JSON.stringify(columns)).digest('hex').slice(0, 16)
    let gz: Uint8Array | undefined
    let rows = spec.rows?.length ?? 0
    let csv: Uint8Array | undefined
    if (spec.csvGzPath) {
      gz = await readFile(spec.csvGzPath)
      csv = gunzipSync(gz)
      rows = spec.rowCount ?? 0
    } else if (rows > 0) {
      csv = Buffer.from(toCopyCsv(columns, spec.rows ?? []))
      gz = gzipSync(csv)
    }
    const stamps = (spec.rows ?? [])
      .map((r) => r.last_updated)
      .filter((v): v is string => typeof v === 'string')
    stamps.sort()
    const hi = stamps.at(-1) ?? null
    cursors[table] = { hi, edge: [] }
    if (!gz || !csv || rows === 0) {
      entries.push({
        table,
        key: null,
        rows: 0,
        bytes: 0,
        sha256: null,
        minLastUpdated: null,
        maxLastUpdated: null,
        columns,
        schemaFingerprint: fingerprint,
      })
      continue
    }
    const key = toPartitionedKey(table, createdAt, batchId, 'fixture', 'csv.gz')
    await store.put(key, gz)
    entries.push({
      table,
      key,
      rows,
      bytes: spec.csvGzPath ? (await stat(spec.csvGzPath)).size : gz.byteLength,
      sha256: createHash('sha256').update(csv).digest('hex'),
      minLastUpdated: stamps[0] ?? null,
      maxLastUpdated: hi,
      columns,
      schemaFingerprint: fingerprint,
    })
  }
  const manifest: IngestionManifest = {
    format: INGESTION_FORMAT,
    batchId,
    createdAt,
    lagMs: 120000,
    tables: entries,
    failedTables: [],
    cursors,
    ...(input.replayOf ? { replayOf: input.replayOf } : {}),
  }
  if (!(await store.createIfAbsent(manifestKey(batchId), INGESTION_MANIFEST.serialise(manifest)))) {
    throw new Error(`fixture batch ${batchId} already exists`)
  }
  return manifest
}

const T0 = '2024-02-20 09:00:00.000'
const row =
  <D extends FixtureRow>(defaults: D) =>
  (overrides: Partial<Record<keyof D | string, string | null>> = {}): FixtureRow => ({
    ...defaults,
    ...overrides,
  })

export const anAddress = row({
  address_id: '1',
  address_line_1: '6826 Herzog Via',
  address_line_2: null,
  district: 'Avon',
  city: 'New Patienceburgh',
  postal_code: '28441',
  country: 'Turkey',
  phone: '1803 637401',
  created_at: T0,
  last_updated: T0,
})
export const aCounterparty = row({
  counterparty_id: '1',
  counterparty_legal_name: 'Fahey and Sons',
  legal_address_id: '1',
  commercial_contact: 'Micheal Toy',
  delivery_contact: null,
  created_at: T0,
  last_updated: T0,
})
export const aCurrency = row({ currency_id: '1', currency_code: 'GBP', created_at: T0, last_updated: T0 })
export const aDepartment = row({
  department_id: '1',
  department_name: 'Sales',
  location: 'Manchester',
  manager: 'Richard Roma',
  created_at: T0,
  last_updated: T0,
})
export const aDesign = row({
  design_id: '1',
  created_at: T0,
  design_name: 'Wooden',
  file_location: '/lib',
  file_name: 'wooden-20201128-jdvi.json',
  last_updated: T0,
})
export const aPaymentType = row({
  payment_type_id: '1',
  payment_type_name: 'SALES_RECEIPT',
  created_at: T0,
  last_updated: T0,
})
export const aStaff = row({
  staff_id: '1',
  first_name: 'Jeremie',
  last_name: 'Franey',
  department_id: '1',
  email_address: 'jeremie.franey@terrifictotes.com',
  created_at: T0,
  last_updated: T0,
})
export const aTransaction = row({
  transaction_id: '1',
  transaction_type: 'SALE',
  sales_order_id: '1',
  purchase_order_id: null,
  created_at: T0,
  last_updated: T0,
})
export const aSalesOrder = row({
  sales_order_id: '1',
  created_at: '2024-02-21 10:15:00.123',
  last_updated: '2024-02-21 10:15:00.123',
  design_id: '1',
  staff_id: '1',
  counterparty_id: '1',
  units_sold: '100',
  unit_price: '2.43',
  currency_id: '1',
  agreed_delivery_date: '2024-02-26',
  agreed_payment_date: '2024-02-24',
  agreed_delivery_location_id: '1',
})
export const aPurchaseOrder = row({
  purchase_order_id: '1',
  created_at: '2024-02-21 11:00:00',
  last_updated: '2024-02-21 11:00:00.5',
  staff_id: '1',
  counterparty_id: '1',
  item_code: 'ZDOI5EA',
  item_quantity: '371',
  item_unit_price: '361.39',
  currency_id: '1',
  agreed_delivery_date: '2024-02-27',
  agreed_payment_date: '2024-02-25',
  agreed_delivery_location_id: '1',
})
export const aPayment = row({
  payment_id: '1',
  created_at: '2024-02-21 12:00:00.001',
  last_updated: '2024-02-21 12:00:00.001',
  transaction_id: '1',
  counterparty_id: '1',
  payment_amount: '56925.44',
  currency_id: '1',
  payment_type_id: '1',
  paid: 'f',
  payment_date: '2024-02-28',
  company_ac_number: '52923196',
  counterparty_ac_number: '32957646',
})

/** One row of every lookup table, consistent with each other: a batch facts can reference. */
export function aLookupBatch(): Partial<Record<SourceTable, FixtureRow[]>> {
  return {
    address: [anAddress()],
    counterparty: [aCounterparty()],
    currency: [aCurrency()],
    department: [aDepartment()],
    design: [aDesign()],
    payment_type: [aPaymentType()],
    staff: [aStaff()],
    transaction: [aTransaction()],
  }
}
