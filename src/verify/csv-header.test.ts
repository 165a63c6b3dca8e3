import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { openDuckDb } from '../io/duckdb.ts'
import { runReadCsvHeader, toHeaderNames } from './csv-header.ts'
import { readCopyCsvSql } from './duck-tables.ts'

describe('toHeaderNames', () => {
  it('reads plain and quoted names up to the end of the first record', () => {
    assert.deepEqual(toHeaderNames('a,"b,c","d""e"\r\n1,2,3\n', false), ['a', 'b,c', 'd"e'])
    assert.deepEqual(toHeaderNames('a,"x\ny",b\n', false), ['a', 'x\ny', 'b'])
    assert.deepEqual(toHeaderNames('a,b', true), ['a', 'b'])
  })
  it('asks for more until the record ends', () => {
    assert.equal(toHeaderNames('a,b', false), 'more')
    assert.equal(toHeaderNames('a,"b', false), 'more')
    assert.equal(toHeaderNames('a,"b"', false), 'more')
  })
  it('gives up on what DuckDB should decide: empty or repeated names, a byte-order mark, no header', () => {
    assert.equal(toHeaderNames('a,,b\n', false), undefined)
    assert.equal(toHeaderNames('a,b,a\n', false), undefined)
    assert.equal(toHeaderNames('\ufeffa,b\n', false), undefined)
    assert.equal(toHeaderNames('', true), undefined)
    assert.equal(toHeaderNames('a,"b', true), undefined)
  })
})

describe('runReadCsvHeader and readCopyCsvSql', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csv-header-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('reads the header of a plain and a gzip file, and nothing of a broken one', async () => {
    await writeFile(join(dir, 'a.csv'), 'id,name\n1,x\n')
    await writeFile(join(dir, 'b.csv.gz'), gzipSync('id,"last updated"\n1,2\n'))
    await writeFile(join(dir, 'c.csv.gz'), 'not gzip')
    assert.deepEqual(await runReadCsvHeader(join(dir, 'a.csv')), ['id', 'name'])
    assert.deepEqual(await runReadCsvHeader(join(dir, 'b.csv.gz')), ['id', 'last updated'])
    assert.equal(await runReadCsvHeader(join(dir, 'c.csv.gz')), undefined)
    assert.equal(await runReadCsvHeader(join(dir, 'missing.csv')), undefined)
  })

  it('reads files of different headers (known or not) as union_by_name does: by name, "" not NULL', async () => {
    const files = {
      one: 'id,v,w\n1,,"x"\n2,"",y\n',
      two: 'w,id\nz,3\n',
      three: 'id,v\n4,q\n',
    }
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, `${name}.csv`), text)
    const paths = Object.keys(files).map((name) => join(dir, `${name}.csv`))
    const known = await Promise.all(
      paths.map(async (path, i) => ({ path, columns: i === 2 ? undefined : await runReadCsvHeader(path) })),
    )
    const db = await openDuckDb()
    try {
      const read = async (sql: string) =>
        db.rows(`SELECT id, v, w FROM ${sql} ORDER BY id`).then((rows) => JSON.stringify(rows))
      const before = await read(readCopyCsvSql(paths.map((path) => ({ path }))))
      assert.equal(await read(readCopyCsvSql(known)), before)
      assert.equal(
        before,
        JSON.stringify([
          { id: '1', v: null, w: 'x' },
          { id: '2', v: '', w: 'y' },
          { id: '3', v: null, w: 'z' },
          { id: '4', v: 'q', w: null },
        ]),
      )
    } finally {
      await db.close()
    }
  })
})
