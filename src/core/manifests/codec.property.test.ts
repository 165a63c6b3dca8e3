/**
 * Property tests of the manifest codec (fast-check): any manifest round-trips through its stored text
 * unchanged, and any text at all (random bytes, random JSON, a valid manifest with one field broken,
 * JSON nested thousands deep) either parses or throws the one DataError that names the file. Bounded:
 * a fixed number of runs and a time limit; on failure fast-check prints the seed and path (rerun with
 * FC_SEED=<seed>).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { DataError } from '../errors.ts'
import { SOURCE_TABLES, SOURCE_TYPES } from '../source-catalogue.ts'
import { WAREHOUSE_TABLES } from '../warehouse-catalogue.ts'
import { type Codec, FAST_UNSURE, toDecoders } from './codec.ts'
import { INGESTION_FORMAT, INGESTION_MANIFEST, type IngestionManifest } from './ingestion.ts'
import { PROCESSED_FORMAT, PROCESSED_MANIFEST, type ProcessedManifest } from './processed.ts'
import { QUARANTINE_ENTRY, type QuarantineEntry } from './quarantine.ts'
import { STREAM_INGESTION_FORMAT, STREAM_INGESTION_MANIFEST, type StreamIngestionManifest } from './stream.ts'

const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED)
const params = { numRuns: 200, interruptAfterTimeLimit: 20_000, ...(seed === undefined ? {} : { seed }) }

const hostileChar = fc.oneof(
  fc.constantFrom('\u0000', '\n', '\r', '"', '\\', '\u2028', '\ud800', '😀', '_', '{', '}'),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
)
const text = fc.string({ unit: hostileChar, maxLength: 30 })
const pad = (n: number, w = 2) => String(n).padStart(w, '0')
const stamp = fc
  .record({
    y: fc.integer({ min: 1, max: 9999 }),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    ms: fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }),
  })
  .map(
    ({ y, mo, d, h, mi, ms }) =>
      `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(mi)}${ms === undefined ? '' : `.${pad(ms, 3)}`}`,
  )
const batchId = fc.integer({ min: 1, max: 9_999_999_999 }).map((n) => pad(n, 10))
const count = fc.nat({ max: 1_000_000 })
const sha = fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null })
const table = fc.constantFrom(...SOURCE_TABLES)
const column = fc.record({
  name: text,
  type: fc.constantFrom(...SOURCE_TYPES, 'other' as const),
  pgType: text,
  nullable: fc.boolean(),
})

const ingestion: fc.Arbitrary<IngestionManifest> = fc
  .record({
    batchId,
    createdAt: stamp,
    lagMs: count,
    tables: fc.array(
      fc.record({
        table,
        key: fc.option(text, { nil: null }),
        rows: count,
        bytes: count,
        sha256: sha,
        minLastUpdated: fc.option(stamp, { nil: null }),
        maxLastUpdated: fc.option(stamp, { nil: null }),
        columns: fc.array(column, { maxLength: 4 }),
        schemaFingerprint: text,
      }),
      { maxLength: 4 },
    ),
    failedTables: fc.array(fc.record({ table, reason: text }), { maxLength: 2 }),
    // Every table has a cursor (the stored record is exhaustive).
    cursors: fc.record(
      Object.fromEntries(
        SOURCE_TABLES.map((t) => [
          t,
          fc.record({
            hi: fc.option(stamp, { nil: null }),
            edge: fc.array(fc.tuple(fc.integer(), stamp), { maxLength: 3 }),
          }),
        ]),
      ) as Record<
        (typeof SOURCE_TABLES)[number],
        fc.Arbitrary<{ hi: string | null; edge: [number, string][] }>
      >,
    ),
    replayOf: fc.option(fc.array(text, { maxLength: 2 }), { nil: undefined }),
  })
  .map(({ replayOf, ...m }) => ({
    format: INGESTION_FORMAT,
    ...m,
    ...(replayOf === undefined ? {} : { replayOf }),
  }))

const processed: fc.Arbitrary<ProcessedManifest> = fc.record({
  format: fc.constant(PROCESSED_FORMAT),
  batchId,
  sourceCreatedAt: stamp,
  watermarks: fc.dictionary(table, stamp),
  tables: fc.array(
    fc.record({
      table: fc.constantFrom(...WAREHOUSE_TABLES),
      key: fc.option(text, { nil: null }),
      rows: count,
      sha256: sha,
    }),
    { maxLength: 4 },
  ),
  quarantined: fc.array(text, { maxLength: 3 }),
})

const stream: fc.Arbitrary<StreamIngestionManifest> = fc.record({
  format: fc.constant(STREAM_INGESTION_FORMAT),
  stream: text,
  batchId,
  createdAt: stamp,
  files: fc.array(
    fc.record({
      key: text,
      source: text,
      sourceEtag: fc.option(text, { nil: null }),
      bytes: count,
      sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    }),
    { maxLength: 3 },
  ),
  heldFiles: fc.array(
    fc.record({ source: text, sourceEtag: fc.option(text, { nil: null }), entryId: text }),
    {
      maxLength: 2,
    },
  ),
  // Meta is the stream's own JSON: any JSON object (no __proto__ keys, which JSON.parse keeps as data).
  meta: fc.dictionary(
    text.filter((k) => k !== '__proto__'),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 3 },
  ),
})

const quarantine: fc.Arbitrary<QuarantineEntry> = fc.record({
  id: text,
  batchId: text,
  table,
  level: fc.constantFrom('table' as const, 'rows' as const),
  reason: text,
  reasons: fc.array(fc.record({ reason: text, rows: fc.integer() }), { maxLength: 3 }),
  rows: count,
  dataKey: text,
  bytes: count,
  sha256: sha,
  columns: fc.array(column, { maxLength: 3 }),
  schemaFingerprint: text,
  minLastUpdated: fc.option(stamp, { nil: null }),
  maxLastUpdated: fc.option(stamp, { nil: null }),
  sample: fc.array(
    fc.dictionary(
      text.filter((k) => k !== '__proto__'),
      fc.option(text, { nil: null }),
      { maxKeys: 3 },
    ),
    { maxLength: 2 },
  ),
})

// biome-ignore lint/suspicious/noExplicitAny: each case pairs a codec with values of its own type.
const cases: { name: string; codec: Codec<any, any>; values: fc.Arbitrary<unknown> }[] = [
  { name: 'ingestion manifest', codec: INGESTION_MANIFEST, values: ingestion },
  { name: 'processed manifest', codec: PROCESSED_MANIFEST, values: processed },
  { name: 'stream ingestion manifest', codec: STREAM_INGESTION_MANIFEST, values: stream },
  { name: 'quarantine entry', codec: QUARANTINE_ENTRY, values: quarantine },
]

const KEY = '_manifests/0000000042.json in /lake'

/** Parses, and insists that any failure is the named DataError. */
// biome-ignore lint/suspicious/noExplicitAny: any codec.
function parseOrNamedError(codec: Codec<any, unknown>, input: string): void {
  try {
    codec.parse(input, KEY)
  } catch (error) {
    assert.ok(error instanceof DataError, `not a DataError: ${String(error)}`)
    assert.ok(error.message.includes(KEY), error.message)
    assert.ok(error.message.includes(codec.remedy), error.message)
    assert.equal(error.ids.key, KEY)
  }
}

/** A JSON value with one field somewhere replaced by `junk` (or removed when junk is undefined). */
function breakOne(value: unknown, path: readonly number[], junk: unknown): unknown {
  if (value === null || typeof value !== 'object' || path.length === 0) return junk
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length === 0) return junk
  const [first = 0, ...rest] = path
  const i = first % entries.length
  const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value }
  const key = entries[i]?.[0] ?? ''
  const next = breakOne(entries[i]?.[1], rest, junk)
  if (next === undefined && !Array.isArray(out)) delete (out as Record<string, unknown>)[key]
  else (out as Record<string, unknown>)[key] = next
  return out
}

describe('the fast decoder, by hand', () => {
  const { fast } = toDecoders(INGESTION_MANIFEST.schema)
  type Stored = { cursors: Record<string, unknown>; [field: string]: unknown }
  const base = (): Stored =>
    JSON.parse(
      INGESTION_MANIFEST.serialise({
        format: INGESTION_FORMAT,
        batchId: '0000000001',
        createdAt: '2024-01-01 00:00:00',
        lagMs: 0,
        tables: [],
        failedTables: [],
        cursors: Object.fromEntries(
          SOURCE_TABLES.map((t) => [t, { hi: null, edge: [[1, '2024-01-01 00:00:00.5']] }]),
        ) as unknown as IngestionManifest['cursors'],
      }),
    )
  const withPayment = (m: Stored, payment: unknown) => {
    m.cursors = { ...m.cursors, payment }
  }
  it('decodes a manifest, and refuses each broken edge, cursor and field as the schema does', () => {
    assert.notEqual(fast?.(base()), FAST_UNSURE)
    const broken: ((m: Stored) => void)[] = [
      (m) => withPayment(m, { hi: null, edge: [[2 ** 60, '2024-01-01 00:00:00']] }),
      (m) => withPayment(m, { hi: null, edge: [[1.5, '2024-01-01 00:00:00']] }),
      (m) => withPayment(m, { hi: null, edge: [[1, '2024-01-01 00:00:00', 3]] }),
      (m) => withPayment(m, { hi: null, edge: [[1, '2024-01-01']] }),
      (m) => withPayment(m, { hi: null, edge: [['1', '2024-01-01 00:00:00']] }),
      (m) => withPayment(m, { edge: [] }),
      (m) => {
        m.cursors = { ...m.cursors, nope: { hi: null, edge: [] } }
      },
      (m) => {
        const { payment: _, ...rest } = m.cursors
        m.cursors = rest
      },
      (m) => {
        m.lag_ms = -1
      },
      (m) => {
        m.format = 'other'
      },
    ]
    for (const [i, breakIt] of broken.entries()) {
      const m = base()
      breakIt(m)
      assert.equal(INGESTION_MANIFEST.schema.safeParse(m).success, false, `case ${i}: the schema refuses it`)
      assert.equal(fast?.(m), FAST_UNSURE, `case ${i}`)
    }
  })

  it('leaves a key the schema does not declare to zod, which drops it', () => {
    const m = base()
    withPayment(m, { hi: null, edge: [], extra: 1 })
    assert.equal(fast?.(m), FAST_UNSURE)
    const parsed = INGESTION_MANIFEST.parse(JSON.stringify(m), 'k')
    assert.deepStrictEqual(parsed.cursors.payment, { hi: null, edge: [] })
  })
})

describe('manifest codec properties', () => {
  for (const c of cases) {
    it(`${c.name}: parse(serialise(m)) equals m, and serialising again gives the same text`, () => {
      fc.assert(
        fc.property(c.values, (value) => {
          const stored = c.codec.serialise(value)
          const back = c.codec.parse(stored, KEY)
          // fast-check builds null-prototype objects; the codec's are plain: compare as JSON values.
          assert.deepStrictEqual(back, JSON.parse(JSON.stringify(value)))
          assert.equal(c.codec.serialise(back), stored)
        }),
        params,
      )
    })

    it(`${c.name}: any text parses or throws the DataError naming the file`, () => {
      const mutated = fc
        .tuple(
          c.values,
          fc.array(fc.nat(), { maxLength: 5 }),
          fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        )
        .map(
          ([value, path, junk]) =>
            JSON.stringify(breakOne(JSON.parse(c.codec.serialise(value)), path, junk)) ?? '',
        )
      const anyText = fc.oneof(
        fc.string({ unit: hostileChar, maxLength: 200 }),
        fc.json(),
        mutated,
        mutated.map((t) => t.slice(0, Math.floor(t.length / 2))),
        fc.nat({ max: 5000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
        fc.nat({ max: 5000 }).map((n) => `{"format":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
      )
      fc.assert(
        fc.property(anyText, (input) => parseOrNamedError(c.codec, input)),
        params,
      )
    })

    it(`${c.name}: the fast decoder vouches only for what the schema accepts, and decodes it the same`, () => {
      const { fast, zod } = toDecoders(c.codec.schema)
      assert.ok(fast, 'the codec has a fast decoder')
      const mutated = fc
        .tuple(
          c.values,
          fc.array(fc.nat(), { maxLength: 6 }),
          fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        )
        .map(([value, path, junk]) => breakOne(JSON.parse(c.codec.serialise(value)), path, junk))
      const json = fc.oneof(
        c.values.map((value) => JSON.parse(c.codec.serialise(value)) as unknown),
        mutated,
        fc.jsonValue({ maxDepth: 3 }),
      )
      fc.assert(
        fc.property(json, (value) => {
          const slow = zod(value)
          const quick = fast(value)
          if (!slow.ok) assert.equal(quick, FAST_UNSURE, 'vouched for a document the schema refuses')
          else if (quick !== FAST_UNSURE) {
            // The same value, keys in the same order (the stored text is made from it).
            assert.equal(JSON.stringify(quick), JSON.stringify(slow.value))
            assert.deepStrictEqual(quick, slow.value)
          }
        }),
        params,
      )
      // A document the codec wrote itself is decoded the fast way.
      fc.assert(
        fc.property(c.values, (value) => {
          assert.notEqual(fast(JSON.parse(c.codec.serialise(value))), FAST_UNSURE)
        }),
        params,
      )
    })
  }
})
