import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { centsToText, mixSeed, mulberry32, pick, randInt, randString } from './prng.ts'

describe('mulberry32', () => {
  it('gives the same numbers for the same seed, other numbers for another, all in [0, 1)', () => {
    const draw = (seed: number) => Array.from({ length: 1000 }, mulberry32(seed))
    assert.deepEqual(draw(42), draw(42))
    assert.notDeepEqual(draw(42), draw(43))
    for (const x of draw(7)) assert.ok(x >= 0 && x < 1)
  })
  it('is roughly uniform', () => {
    const rng = mulberry32(1)
    const buckets = [0, 0, 0, 0]
    for (let i = 0; i < 40_000; i++) buckets[Math.floor(rng() * 4)]!++
    for (const b of buckets) assert.ok(b > 9500 && b < 10_500, `bucket ${b}`)
  })
})

describe('mixSeed', () => {
  it('is deterministic and separates neighbouring inputs', () => {
    assert.equal(mixSeed(1, 2, 3), mixSeed(1, 2, 3))
    const seeds = new Set([0, 1, 2, 3, 4, 5].map((c) => mixSeed(1, 99, c)))
    assert.equal(seeds.size, 6)
    assert.notEqual(mixSeed(1, 2), mixSeed(2, 1))
  })
})

describe('helpers', () => {
  it('randInt stays within its inclusive bounds and reaches both', () => {
    const rng = mulberry32(3)
    const seen = new Set<number>()
    for (let i = 0; i < 500; i++) seen.add(randInt(rng, 2, 5))
    assert.deepEqual([...seen].sort(), [2, 3, 4, 5])
  })
  it('pick and randString draw from what they are given', () => {
    const rng = mulberry32(5)
    assert.ok(['a', 'b'].includes(pick(rng, ['a', 'b'])))
    assert.throws(() => pick(rng, []))
    assert.match(randString(rng, 'XY', 6), /^[XY]{6}$/)
  })
  for (const [cents, text] of [
    [0, '0.00'],
    [5, '0.05'],
    [199, '1.99'],
    [96685084, '966850.84'],
  ] as const) {
    it(`centsToText(${cents}) = ${text}`, () => assert.equal(centsToText(cents), text))
  }
  it('centsToText refuses fractions and negatives', () => {
    assert.throws(() => centsToText(1.5))
    assert.throws(() => centsToText(-1))
  })
})
