import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { projectFile } from './project-file.ts'

describe('projectFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'project-file-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  // A tree like a Lambda bundle's: the code deep down, sql/ at the top, and a nearer sql/ in one branch.
  mkdirSync(join(dir, 'sql'))
  writeFileSync(join(dir, 'sql', 'warehouse.sql'), 'top')
  mkdirSync(join(dir, 'a', 'b', 'c'), { recursive: true })
  mkdirSync(join(dir, 'a', 'sql'))
  writeFileSync(join(dir, 'a', 'sql', 'warehouse.sql'), 'nearer')
  mkdirSync(join(dir, 'x', 'y'), { recursive: true })
  const from = (...parts: string[]) => pathToFileURL(join(dir, ...parts, 'module.js')).href

  it("finds a file in the nearest folder above the module, whatever the module's depth", () => {
    assert.equal(projectFile('sql/warehouse.sql', from('x', 'y')), join(dir, 'sql', 'warehouse.sql'))
    assert.equal(projectFile('sql/warehouse.sql', from()), join(dir, 'sql', 'warehouse.sql'))
    assert.equal(
      projectFile('sql/warehouse.sql', from('a', 'b', 'c')),
      join(dir, 'a', 'sql', 'warehouse.sql'),
    )
  })

  it('finds this project’s own files from its source tree', () => {
    assert.match(projectFile('sql/warehouse.sql'), /\/sql\/warehouse\.sql$/)
    assert.match(projectFile('package.json'), /\/package\.json$/)
  })

  it('names the file and where it looked when there is none', () => {
    assert.throws(
      () => projectFile('sql/no-such.sql', from('x', 'y')),
      (e: Error) => e.message.includes('sql/no-such.sql') && e.message.includes(join(dir, 'x', 'y')),
    )
  })
})
