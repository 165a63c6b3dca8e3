import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { barProgress, lineProgress, noProgress, stderrProgress } from './seed-progress.ts'

describe('seed progress', () => {
  it('prints a line per tenth of the rows', () => {
    const lines: string[] = []
    const progress = lineProgress((line) => lines.push(line))
    progress.start(100)
    for (let i = 0; i < 20; i++) progress.advance(5, i < 10 ? 'design' : 'payment')
    progress.stop()
    assert.equal(lines[0], 'seed: 100 rows to generate')
    assert.equal(lines.at(-1), 'seed: 100 rows done')
    assert.ok(lines.includes('seed: 60/100 rows (60%), now payment'), lines.join('\n'))
    assert.equal(lines.length, 12)
  })
  it('keeps the bar off a stream that is not a terminal, and picks lines there', () => {
    const out = new PassThrough()
    let text = ''
    out.on('data', (b: Buffer) => {
      text += b.toString()
    })
    const bar = barProgress(out)
    bar.start(10)
    bar.advance(10, 'design')
    bar.stop()
    noProgress.start(1)
    noProgress.advance(1, 'x')
    noProgress.stop()
    const lines = stderrProgress(
      Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream,
    )
    lines.start(0)
    lines.advance(0, 'design')
    lines.stop()
    assert.equal(text, '')
  })
})
