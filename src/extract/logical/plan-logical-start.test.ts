import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type LogicalStart, planLogicalStart, type SlotState } from './plan-logical-start.ts'

const slot = (over: Partial<SlotState> = {}): SlotState => ({
  confirmed: '0/100',
  walStatus: 'reserved',
  activePid: null,
  plugin: 'pgoutput',
  here: true,
  retainedBytes: 0,
  ...over,
})
const at = (lsn: string, snapshot?: 'partial' | 'complete') => ({
  slot: 's',
  lsn,
  ...(snapshot && { snapshot }),
})

describe('planLogicalStart', () => {
  const cases: [string, SlotState | undefined, ReturnType<typeof at> | undefined, Partial<LogicalStart>][] = [
    ['no slot, no logical batch: a first start', undefined, undefined, { action: 'snapshot', resync: false }],
    ['no slot after logical batches: a resync', undefined, at('0/100'), { action: 'snapshot', resync: true }],
    ['an invalidated slot', slot({ walStatus: 'lost' }), at('0/100'), { action: 'snapshot', dropSlot: true }],
    [
      'a slot the lake was not read from',
      slot(),
      undefined,
      { action: 'snapshot', dropSlot: true, resync: false },
    ],
    ['an interrupted snapshot', slot(), at('0/100', 'partial'), { action: 'snapshot', dropSlot: true }],
    [
      'a slot at the lake',
      slot(),
      at('0/100', 'complete'),
      { action: 'stream', afterLsn: 0x100n, advanceTo: null },
    ],
    [
      'a slot behind the lake',
      slot(),
      at('0/200'),
      { action: 'stream', afterLsn: 0x200n, advanceTo: '0/200' },
    ],
    ['a slot of another plugin', slot({ plugin: 'wal2json' }), undefined, { action: 'refuse' }],
    ['a slot of another database', slot({ here: false }), undefined, { action: 'refuse' }],
  ]
  for (const [what, state, last, want] of cases) {
    it(what, () => {
      const got = planLogicalStart('s', state, last)
      for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof LogicalStart], v, k)
    })
  }
})
