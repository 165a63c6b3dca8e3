import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DataError } from '../core/errors.ts'
import {
  INGESTION_FORMAT,
  INGESTION_MANIFEST,
  type IngestionManifest,
  type IngestionTableEntry,
  type TableCursor,
} from '../core/manifests/ingestion.ts'
import { SOURCE_TABLES } from '../core/source-catalogue.ts'
import { assertManifestCommittable, assertTableCommittable } from './check-committable.ts'
import { isParsedEdge, recordParsedEdges } from './parsed-edges.ts'
import { type EdgeKey, INITIAL_CURSOR, type TableRead, toNextCursor } from './plan-cursor.ts'

const T = (ms: number) =>
  `2024-02-23 10:00:${String(Math.floor(ms / 1000)).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`
const batch = { batchId: '0000000002', createdAt: T(59_999), lagMs: 120_000 }
const entry: IngestionTableEntry = {
  table: 'payment',
  key: null,
  rows: 0,
  bytes: 0,
  sha256: null,
  minLastUpdated: null,
  maxLastUpdated: null,
  columns: [],
  schemaFingerprint: 'x',
}
const manifestWith = (cursor: TableCursor): IngestionManifest => ({
  format: INGESTION_FORMAT,
  ...batch,
  tables: [entry],
  failedTables: [],
  cursors: Object.fromEntries(
    SOURCE_TABLES.map((t) => [t, t === 'payment' ? cursor : INITIAL_CURSOR]),
  ) as IngestionManifest['cursors'],
})
/** A previous batch's cursor as the extract finds it: parsed by the codec. */
const parsedCursor = (keys: number): TableCursor => {
  const text = INGESTION_MANIFEST.serialise(
    manifestWith({ hi: T(50_000), edge: Array.from({ length: keys }, (_, i) => [i, T(1_000 + i)] as const) }),
  )
  const cursor = INGESTION_MANIFEST.parse(text, 'previous').cursors.payment
  recordParsedEdges([cursor])
  return cursor
}

const readOf = (edge: EdgeKey[]): TableRead => ({
  now: T(59_999),
  maxLastUpdated: T(58_000),
  cutoff: T(0),
  edge,
  offAxis: [],
})

describe('the committable checks with edges known to parse', () => {
  it('knows a parsed cursor’s edge, and no other array of the same keys', () => {
    const cursor = parsedCursor(3)
    assert.ok(isParsedEdge(cursor.edge))
    assert.equal(isParsedEdge([...cursor.edge]), false)
  })

  it('still refuses a new key the manifest cannot hold, beside thousands of known ones', () => {
    const previous = parsedCursor(5_000)
    for (const bad of [
      [2 ** 60, T(58_000)],
      [1.5, T(58_000)],
    ] as EdgeKey[]) {
      const read = readOf([bad])
      const next = toNextCursor(previous, read)
      assert.equal(next.edge.length, 5_001)
      for (const from of [{ previous, read }, undefined]) {
        assert.throws(
          () => assertTableCommittable(batch, entry, next, from),
          (error: unknown) => error instanceof DataError && /cursors\.payment\.edge/.test(error.message),
        )
      }
      assert.throws(
        () => assertManifestCommittable(manifestWith(next)),
        (error: unknown) => error instanceof DataError && /would not parse/.test(error.message),
      )
      assert.equal(isParsedEdge(next.edge), false, 'a refused edge is not recorded')
    }
  })

  it('probes the whole edge when the previous one is not known to parse', () => {
    const previous: TableCursor = { hi: T(50_000), edge: [[2 ** 60, T(50_000)]] }
    const read = readOf([[7, T(58_000)]])
    const next = toNextCursor(previous, read)
    assert.throws(() => assertTableCommittable(batch, entry, next, { previous, read }), DataError)
  })

  it('passes a cursor of known and new keys, and knows its edge after', () => {
    const previous = parsedCursor(100)
    const read = readOf([[7, T(58_000)]])
    const next = toNextCursor(previous, read)
    assertTableCommittable(batch, entry, next, { previous, read })
    assert.ok(isParsedEdge(next.edge))
    assertManifestCommittable(manifestWith(next))
    // What is committed parses back to the same cursor.
    const back = INGESTION_MANIFEST.parse(INGESTION_MANIFEST.serialise(manifestWith(next)), 'k')
    assert.deepEqual(back.cursors.payment, next)
  })
})
