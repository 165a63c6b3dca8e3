import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { verifyProgressBar } from './verify.ts'

/** A stream that says it is (or is not) a terminal and keeps what is written to it. */
function aStream(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string }
  Object.assign(stream, {
    isTTY,
    columns: 120,
    cursorTo() {},
    clearLine() {},
    moveCursor() {},
    text: () => chunks.join(''),
  })
  return stream
}

describe('verify progress', () => {
  it('draws a bar per phase with units, rate and ETA on a terminal', () => {
    const stream = aStream(true)
    const bar = verifyProgressBar(stream)
    assert.ok(bar)
    bar.phase('warehouse', 1000, 'rows')
    bar.advance(400)
    bar.phase('lake files', 3, 'files')
    bar.advance(3)
    bar.stop()
    const text = stream.text()
    assert.match(text, /verify warehouse +\[.*\] \d+\/1000 rows \| [\d,]+\/s \| ETA /)
    assert.match(text, /verify lake files +\[.*\] 3\/3 files/)
  })

  it('is silent when not a terminal', () => {
    assert.equal(verifyProgressBar(aStream(false)), undefined)
  })
})
