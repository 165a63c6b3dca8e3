import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SOURCE_TABLES } from './source-catalogue.ts'
import { SOURCE_READ_ORDER, SOURCE_REFERENCES } from './source-references.ts'

describe('the read order derived from the source declaration', () => {
  it('holds every table once, each after the tables it references', () => {
    assert.deepEqual([...SOURCE_READ_ORDER].sort(), [...SOURCE_TABLES].sort())
    for (const [i, table] of SOURCE_READ_ORDER.entries())
      for (const target of SOURCE_REFERENCES[table])
        assert.ok(SOURCE_READ_ORDER.indexOf(target) < i, `${target} before ${table}`)
  })
})
