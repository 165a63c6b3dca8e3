import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { planLoad } from './plan-load.ts'

const ids = (...n: number[]) => n.map((x) => String(x).padStart(10, '0'))

describe('planLoad', () => {
  const cases: {
    name: string
    listed: string[]
    loaded: string[]
    until?: string
    want: ReturnType<typeof planLoad>
  }[] = [
    { name: 'empty store', listed: [], loaded: [], want: { pending: [], outOfOrder: [] } },
    { name: 'first load', listed: ids(1, 2, 3), loaded: [], want: { pending: ids(1, 2, 3), outOfOrder: [] } },
    {
      name: 'a store pruned before 5',
      listed: ids(5, 6),
      loaded: [],
      want: { pending: ids(5, 6), outOfOrder: [] },
    },
    {
      name: 'incremental',
      listed: ids(1, 2, 3, 4),
      loaded: ids(1, 2),
      want: { pending: ids(3, 4), outOfOrder: [] },
    },
    { name: 'nothing new', listed: ids(1, 2), loaded: ids(1, 2), want: { pending: [], outOfOrder: [] } },
    {
      name: 'until',
      listed: ids(1, 2, 3),
      loaded: ids(1),
      until: ids(2)[0],
      want: { pending: ids(2), outOfOrder: [] },
    },
    {
      name: 'stops at a gap',
      listed: ids(1, 2, 4, 5),
      loaded: [],
      want: { pending: ids(1, 2), waitingFor: ids(3)[0], outOfOrder: [] },
    },
    {
      name: 'gap right after the ledger',
      listed: ids(1, 3),
      loaded: ids(1),
      want: { pending: [], waitingFor: ids(2)[0], outOfOrder: [] },
    },
    {
      name: 'a batch older than the newest loaded one',
      listed: ids(1, 2, 3, 4),
      loaded: ids(1, 3),
      want: { pending: ids(4), outOfOrder: ids(2) },
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(planLoad(c.listed, c.loaded, c.until), c.want)
    })
  }
})
