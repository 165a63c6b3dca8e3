import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import cliProgress from 'cli-progress'
import { createTerminal, formatProgressLine } from './terminal.ts'

describe('formatProgressLine', () => {
  for (const [name, state, expected] of [
    [
      'part done: rows, rate and time left',
      { label: 'seed', unit: 'rows', value: 1800, total: 3000, elapsedMs: 2000, detail: 'payment' },
      'seed       ████████████░░░░░░░░   60%  1,800/3,000 rows  900 rows/s  ETA 2s  payment',
    ],
    [
      'a fast step: the rate in thousands',
      { label: 'load', unit: 'rows', value: 500_000, total: 2_000_000, elapsedMs: 10_000 },
      'load       █████░░░░░░░░░░░░░░░   25%  500,000/2,000,000 rows  50k rows/s  ETA 30s',
    ],
    [
      'nothing done yet: no rate, no time left to tell',
      { label: 'fx', unit: 'requests', value: 0, total: 90, elapsedMs: 0 },
      'fx         ░░░░░░░░░░░░░░░░░░░░    0%  0/90 requests  0 requests/s  ETA –',
    ],
    [
      'done',
      { label: 'load', unit: 'batches', value: 13, total: 13, elapsedMs: 60_000 },
      'load       ████████████████████  100%  13/13 batches  0 batches/s  ETA 0s',
    ],
  ] as const) {
    it(name, () => assert.equal(formatProgressLine(state, false, 20), expected))
  }
})

describe('createTerminal', () => {
  it('writes lines, and without bars (not a terminal) a progress writes nothing', () => {
    const out = new PassThrough()
    let text = ''
    out.on('data', (b: Buffer) => {
      text += b.toString()
    })
    const terminal = createTerminal(out as unknown as NodeJS.WriteStream, { color: false })
    const progress = terminal.progress('seed', 'rows')
    progress.start(10)
    progress.advance(5, 'design')
    terminal.writeLine('a line')
    progress.stop()
    assert.equal(text, 'a line\n')
  })

  it('a bar started again while it runs takes the new total (one bar, not two)', () => {
    const out = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 120,
      cursorTo() {},
      clearLine() {},
      moveCursor() {},
    })
    let text = ''
    out.on('data', (b: Buffer) => {
      text += b.toString()
    })
    const terminal = createTerminal(out as unknown as NodeJS.WriteStream, { color: false, bars: cliProgress })
    const progress = terminal.progress('load', 'batches')
    progress.start(2)
    progress.advance(1)
    progress.start(5)
    progress.advance(1)
    progress.stop()
    assert.match(text, /2\/5 batches/)
    assert.doesNotMatch(text, /2\/2 batches/)
  })
})
