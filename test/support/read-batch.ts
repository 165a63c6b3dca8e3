/** Reads an ingestion batch back for assertions: its manifest and each table's rows (CSV parsed here). */
import { gunzipSync } from 'node:zlib'
import type { IngestionManifest } from '../../src/core/manifests/ingestion.ts'
import type { SourceTable } from '../../src/core/source-catalogue.ts'
import { runReadIngestionManifest } from '../../src/extract/ingestion-batches.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'

/** A parsed CSV field: null for an unquoted empty field (PostgreSQL's NULL), else the text. */
export type Field = string | null

/** Parses PostgreSQL CSV (quotes doubled inside quoted fields). */
export function parseCsv(text: string): Field[][] {
  const rows: Field[][] = []
  let row: Field[] = []
  let field = ''
  let quoted = false
  let wasQuoted = false
  // Jumps from one quote, comma or newline to the next: a character at a time took seconds per suite.
  const special = /[",\n]/g
  for (let i = 0; i < text.length; ) {
    if (quoted) {
      const q = text.indexOf('"', i)
      if (q < 0) {
        field += text.slice(i)
        break
      }
      field += text.slice(i, q)
      if (text[q + 1] === '"') {
        field += '"'
        i = q + 2
      } else {
        quoted = false
        i = q + 1
      }
      continue
    }
    special.lastIndex = i
    const at = special.exec(text)?.index ?? text.length
    field += text.slice(i, at)
    if (at === text.length) break
    if (text[at] === '"') {
      quoted = true
      wasQuoted = true
    } else {
      row.push(field === '' && !wasQuoted ? null : field)
      field = ''
      wasQuoted = false
      if (text[at] === '\n') {
        rows.push(row)
        row = []
      }
    }
    i = at + 1
  }
  if (field !== '' || row.length > 0) row.push(field === '' && !wasQuoted ? null : field)
  if (row.length > 0) rows.push(row)
  return rows
}

export interface BatchTable {
  readonly header: string[]
  readonly rows: Record<string, Field>[]
}

/** Every table of a batch as objects keyed by column name. */
export async function readBatch(
  store: ObjectStore,
  batchId: string,
): Promise<{
  manifest: IngestionManifest
  tables: Partial<Record<SourceTable, BatchTable>>
  csv: Partial<Record<SourceTable, string>>
}> {
  const manifest = await runReadIngestionManifest(store, batchId)
  const tables: Partial<Record<SourceTable, BatchTable>> = {}
  const csv: Partial<Record<SourceTable, string>> = {}
  for (const entry of manifest.tables) {
    if (!entry.key) continue
    const bytes = await store.get(entry.key)
    if (!bytes) throw new Error(`missing ${entry.key}`)
    const text = gunzipSync(bytes).toString('utf8')
    csv[entry.table] = text
    const [header = [], ...rows] = parseCsv(text)
    tables[entry.table] = {
      header: header.map(String),
      rows: rows.map((r) => Object.fromEntries(header.map((h, i) => [String(h), r[i] ?? null]))),
    }
  }
  return { manifest, tables, csv }
}

/** `table:pk@last_updated` for every row of every batch given: the versions the lake holds. */
export async function versionsInLake(store: ObjectStore, batchIds: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const id of batchIds) {
    const { tables } = await readBatch(store, id)
    for (const [table, data] of Object.entries(tables)) {
      const pk = data.header[0]
      for (const row of data.rows) out.push(`${table}:${row[String(pk)]}@${row.last_updated}`)
    }
  }
  return out.sort()
}
