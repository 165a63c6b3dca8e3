import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toCopyCsvLine } from './to-copy-csv.ts'

describe('toCopyCsvLine', () => {
  for (const [values, line] of [
    [['1', 'plain', null], '1,plain,\n'],
    [['', null], '"",\n'],
    [['a,b', 'say "hi"'], '"a,b","say ""hi"""\n'],
    [['line\nbreak', 'cr\r'], '"line\nbreak","cr\r"\n'],
    [['2024-01-01 10:00:00.5', '\\.'], '2024-01-01 10:00:00.5,\\.\n'],
  ] as const) {
    it(JSON.stringify(values), () => assert.equal(toCopyCsvLine(values), line))
  }
})
