import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_JSON_DEPTH, planFileRecords, toJsonDepth } from './plan-file-records.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`

describe('plan-file-records', () => {
  it('splits .json arrays and JSON Lines, and refuses files that cannot hold records', () => {
    assert.deepEqual(planFileRecords('a.json', bytes('[{"a":1},2]')), {
      ok: true,
      records: [{ record: { a: 1 } }, { record: 2 }],
    })
    assert.deepEqual(planFileRecords('a.jsonl', bytes('{"a":1}\nbad\n')), {
      ok: true,
      records: [{ record: { a: 1 } }, { record: 'bad', error: 'the line is not JSON' }],
    })
    assert.deepEqual(planFileRecords('a.json', bytes('{"a":1}')), {
      ok: false,
      reason: 'a .json file must hold an array of records',
    })
    assert.match((planFileRecords('a.json', bytes('[')) as { reason: string }).reason, /not JSON/)
    assert.deepEqual(planFileRecords('a.json', new Uint8Array([0xff, 0xfe])), {
      ok: false,
      reason: 'the file is not UTF-8 text',
    })
  })

  const depths: [string, number][] = [
    ['1', 0],
    ['[]', 1],
    ['[{"a":[1]}]', 3],
    ['["[[[[", {"b": "]]]"}]', 2],
    ['["\\"[[[", 1]', 1],
    [nested(10), 10],
  ]
  for (const [text, depth] of depths) {
    it(`measures ${text.slice(0, 20)} as ${depth} deep, strings skipped`, () => {
      assert.equal(toJsonDepth(text), depth)
    })
  }

  it('holds a file nested 5,000 levels deep whole, before parsing it (it overflowed the stack later)', () => {
    const text = `[${nested(5000)}]`
    assert.deepEqual(planFileRecords('deep.json', bytes(text)), {
      ok: false,
      reason: `the file is nested more than ${MAX_JSON_DEPTH} levels deep`,
    })
    assert.equal(toJsonDepth(text), MAX_JSON_DEPTH + 1, 'stops counting past the limit')
  })

  it('holds a deep line of JSON Lines as a record with its reason, and keeps the others', () => {
    const split = planFileRecords('a.jsonl', bytes(`{"a":1}\n${nested(5000)}\n{"a":2}\n`))
    assert.ok(split.ok)
    assert.deepEqual(
      split.records.map((r) => r.error ?? 'ok'),
      ['ok', `the line is nested more than ${MAX_JSON_DEPTH} levels deep`, 'ok'],
    )
    assert.equal(String(split.records[1]?.record).length, 500)
    // What is held can be written to the quarantine: no recursion past the bound.
    assert.doesNotThrow(() => JSON.stringify(split.records))
  })

  it('accepts a record just at the bound', () => {
    const split = planFileRecords('a.json', bytes(`[${nested(MAX_JSON_DEPTH - 1)}]`))
    assert.ok(split.ok)
  })
})
