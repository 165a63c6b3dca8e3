import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SOURCE_TABLES } from '../core/source-catalogue.ts'
import { SOURCE_READ_ORDER, SOURCE_REFERENCES } from '../core/source-references.ts'
import { SOURCE_NEEDS } from './source-needs.ts'

describe('the extract read order and the transform needs', () => {
  it('SOURCE_REFERENCES lists exactly the references the transform checks', () => {
    for (const needs of SOURCE_NEEDS) {
      const checked = [...new Set(needs.columns.flatMap((c) => (c.references ? [c.references] : [])))].sort()
      assert.deepEqual([...SOURCE_REFERENCES[needs.table]].sort(), checked, needs.table)
    }
  })

  it('SOURCE_READ_ORDER holds every table once, each after the tables it references', () => {
    assert.deepEqual([...SOURCE_READ_ORDER].sort(), [...SOURCE_TABLES].sort())
    for (const [i, table] of SOURCE_READ_ORDER.entries())
      for (const target of SOURCE_REFERENCES[table])
        assert.ok(SOURCE_READ_ORDER.indexOf(target) < i, `${target} before ${table}`)
  })
})
