import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { planStart, type StartInput } from './start-plan.ts'

const input = (over: Partial<StartInput>): StartInput => ({
  source: { kind: 'embedded', where: 'pglite:/w/.data/totesys' },
  warehouse: { kind: 'embedded', where: 'pglite:/w/.data/warehouse' },
  ingestion: '/w/.data/ingestion',
  processed: '/w/.data/processed',
  simulateFlag: undefined,
  simulateRate: 2,
  everyMs: 5000,
  loadEveryMs: 60_000,
  statusUrl: 'http://127.0.0.1:8080/',
  ...over,
})
const SERVER = { kind: 'server', where: 'postgres://etl:***@db.internal:5432/totesys' } as const

describe('planStart', () => {
  for (const [name, over, rate, seed, simulator] of [
    [
      'the embedded demo source: simulated by default',
      {},
      2,
      true,
      /WRITES 2 made-up changes\/s into the embedded demo source/,
    ],
    [
      'the embedded demo source with --no-simulate',
      { simulateFlag: false },
      0,
      true,
      /off \(--no-simulate\): nothing writes/,
    ],
    [
      'a server source: never simulated by default',
      { source: SERVER },
      0,
      false,
      /off: nothing writes to the source \(--simulate would/,
    ],
    [
      'a server source with --simulate',
      { source: SERVER, simulateFlag: true, simulateRate: 5 },
      5,
      false,
      /WRITES 5 made-up changes\/s into postgres:\/\/etl:\*\*\*@db\.internal:5432\/totesys, as --simulate asked/,
    ],
  ] as const) {
    it(name, () => {
      const plan = planStart(input(over))
      assert.equal(plan.simulateRate, rate)
      assert.equal(plan.seedIfEmpty, seed)
      assert.match(plan.banner, simulator)
    })
  }

  it('says in plain words what is read, written and served where', () => {
    const { banner } = planStart(input({ source: SERVER }))
    assert.match(banner, /source {5}reads postgres:\/\/etl:\*\*\*@db\.internal:5432\/totesys \(read only/)
    assert.match(
      banner,
      /lake {7}writes \/w\/\.data\/ingestion \(ingestion\) and \/w\/\.data\/processed \(processed\)/,
    )
    assert.match(banner, /warehouse {2}writes pglite:\/w\/\.data\/warehouse/)
    assert.match(banner, /schedule {3}extract every 5 s;.*load at least every 60 s/)
    assert.match(
      banner,
      /status {5}http:\/\/127\.0\.0\.1:8080\/ \(JSON at http:\/\/127\.0\.0\.1:8080\/status\.json\)/,
    )
  })
})
