/**
 * Property tests of the dataset reader (fast-check): for any bytes, names, JSON shapes, depths and values,
 * the reader never throws; it answers with records or with a per-file reason, and every record either
 * fits (values PostgreSQL holds unchanged) or gets a per-record reason. Bounded: a fixed number of runs;
 * on failure fast-check prints the seed and path (rerun with FC_SEED=<seed>).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { isDay } from '../../core/civil-date.ts'
import type { StreamType } from '../../core/stream-catalogue.ts'
import {
  type DatasetSchema,
  isDatasetFile,
  MAX_KEY_BYTES,
  planRecordRow,
  toUnstorableText,
} from './dataset-schema.ts'
import { MAX_JSON_DEPTH, planFileRecords, toJsonDepth } from './plan-file-records.ts'
import { MAX_NAME_BYTES, toUnstorableName } from './run-dataset-pickup.ts'

const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED)
// Bounded: 300 runs, and at most 30 s in all (shrinking included) before the failure found is reported.
const params = { numRuns: 300, interruptAfterTimeLimit: 30_000, ...(seed === undefined ? {} : { seed }) }

/** Any UTF-16 code unit (lone surrogates too), and the characters that break naive code most often. */
export const hostileChar = fc.oneof(
  fc.constantFrom(
    '\u0000',
    '\n',
    '\r',
    '"',
    '\\',
    "'",
    '\t',
    '\u2028',
    '\ud800',
    '\udfff',
    '😀',
    'é',
    '/',
    '.',
    '[',
    '{',
  ),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
)
export const hostileString = fc.string({ unit: hostileChar, maxLength: 40 })

/** A JSON text nested `depth` levels (arrays and objects mixed) around a random JSON leaf. */
const nestedJson = fc
  .tuple(fc.array(fc.boolean(), { maxLength: 150, size: 'max' }), fc.jsonValue({ maxDepth: 2 }))
  .map(([opens, leaf]) => {
    const open = opens.map((array) => (array ? '[' : '{"k":')).join('')
    const close = [...opens]
      .reverse()
      .map((array) => (array ? ']' : '}'))
      .join('')
    return { text: `[${open}${JSON.stringify(leaf)}${close}]`, opens: opens.length }
  })

const TYPES: readonly StreamType[] = ['integer', 'bigint', 'numeric', 'text', 'boolean', 'date', 'timestamp']

/** Values as a hostile producer writes them: edge numbers, near-dates, strings with anything in them. */
const hostileValue = fc.oneof(
  hostileString,
  fc.constantFrom(
    0,
    -0,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    -(2 ** 31) - 1,
    2 ** 53,
    1e21,
    0.1,
    '9223372036854775807',
    '9223372036854775808',
    '0000-01-01',
    '0001-01-01',
    '9999-12-31',
    '2024-02-30',
    '2024-02-29T23:59:59.999999Z',
    '0000-12-31 23:59:59',
    '12345678901234567890123456789.5',
    true,
    null,
  ),
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
)

/** What a fitting value of a type must look like for PostgreSQL to take it unchanged. */
function fits(type: StreamType, text: string): boolean {
  switch (type) {
    case 'integer':
      return /^-?\d+$/.test(text) && BigInt(text) >= -(2n ** 31n) && BigInt(text) < 2n ** 31n
    case 'bigint':
      return /^-?\d+$/.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n
    case 'numeric':
      return /^-?\d{1,28}(\.\d{1,10})?$/.test(text.replace(/^(-?)0+(?=\d)/, '$1'))
    case 'text':
      return toUnstorableText(text) === undefined
    case 'boolean':
      return text === 'true' || text === 'false'
    case 'date':
      return isDay(text) && text >= '0001-01-01'
    case 'timestamp':
      return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(text) && text >= '0001-01-01'
  }
}

describe('the dataset reader, by property', () => {
  it('never throws on any bytes under any name, and answers records or a reason', () => {
    fc.assert(
      fc.property(
        hostileString,
        fc.constantFrom('.json', '.jsonl', '.ndjson'),
        fc.uint8Array({ maxLength: 200 }),
        (name, ext, bytes) => {
          const got = planFileRecords(`${name}${ext}`, bytes)
          assert.ok(
            got.ok ? Array.isArray(got.records) : typeof got.reason === 'string',
            'records or a reason',
          )
          assert.doesNotThrow(() => JSON.stringify(got))
        },
      ),
      params,
    )
  })

  it('refuses JSON nested past the bound before parsing, accepts it below, and what it accepts serialises', () => {
    const seen = { deep: 0, shallow: 0 }
    fc.assert(
      fc.property(nestedJson, fc.boolean(), ({ text, opens }, lines) => {
        const bytes = new TextEncoder().encode(text)
        const depth = toJsonDepth(text)
        // Counting stops just past the bound.
        assert.ok(depth >= Math.min(opens + 1, MAX_JSON_DEPTH + 1), `depth ${depth} of ${opens} opens`)
        const got = planFileRecords(lines ? 'x.jsonl' : 'x.json', bytes)
        const records = got.ok ? got.records : []
        seen[depth > MAX_JSON_DEPTH ? 'deep' : 'shallow']++
        if (depth > MAX_JSON_DEPTH) {
          if (lines) assert.match(records[0]?.error ?? '', /nested more than/)
          else assert.ok(!got.ok && /nested more than/.test(got.reason), 'held whole')
        } else assert.ok(got.ok && records.every((r) => r.error === undefined), 'accepted')
        assert.doesNotThrow(() => JSON.stringify(got))
      }),
      params,
    )
    assert.ok(seen.deep > 0 && seen.shallow > 0, JSON.stringify(seen))
  })

  it('checks any record against any schema without throwing; a record that fits holds only storable values', () => {
    const column = fc.record({
      name: fc.oneof(fc.constantFrom('constructor', '__proto__', 'toString', 'a', 'b'), hostileString),
      type: fc.constantFrom(...TYPES),
      required: fc.boolean(),
    })
    const seen = { fits: 0, refused: 0 }
    fc.assert(
      fc.property(
        fc.uniqueArray(column, { minLength: 1, maxLength: 5, selector: (c) => c.name }),
        fc.boolean(),
        fc.oneof(fc.dictionary(hostileString, hostileValue, { maxKeys: 6 }), hostileValue),
        (columns, keyed, record) => {
          const withValues =
            typeof record === 'object' && record !== null && !Array.isArray(record)
              ? {
                  ...record,
                  ...Object.fromEntries(
                    columns
                      .filter((_, i) => i % 2 === 0)
                      .map((c) => [c.name, record[c.name] ?? '0001-01-01']),
                  ),
                }
              : record
          const schema: DatasetSchema = {
            dataset: 'p',
            version: 1,
            table: 'dataset_p',
            key: keyed ? [columns[0]!.name] : [],
            columns,
          }
          const got = planRecordRow(schema, withValues)
          seen[got.ok ? 'fits' : 'refused']++
          if (!got.ok) {
            assert.equal(typeof got.reason, 'string')
            return
          }
          got.values.forEach((value, i) => {
            const c = columns[i]!
            if (value === null) assert.equal(c.required, false, `${c.name} is required`)
            else assert.ok(fits(c.type, value), `${c.type} ${JSON.stringify(value)}`)
          })
          const key = keyed ? (got.values[0] ?? '') : ''
          assert.ok(new TextEncoder().encode(key).length <= MAX_KEY_BYTES)
        },
      ),
      params,
    )
    assert.ok(seen.fits > 0 && seen.refused > 0, JSON.stringify(seen))
  })

  it('says of any name whether it can be stored as lineage, and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(hostileString, fc.string({ unit: 'binary', minLength: 1000, maxLength: 1100 })),
        (name) => {
          const why = toUnstorableName(name)
          if (why === undefined) {
            assert.equal(toUnstorableText(name), undefined)
            assert.ok(new TextEncoder().encode(name).length <= MAX_NAME_BYTES)
          } else assert.match(why, /^the file name /)
          assert.equal(typeof isDatasetFile(name), 'boolean')
        },
      ),
      params,
    )
  })
})
