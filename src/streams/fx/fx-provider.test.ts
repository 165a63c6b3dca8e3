import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { frankfurterProvider } from './fx-provider.ts'

/** A fetch that answers from a list, recording the URLs asked. */
const scripted = (answers: (number | Error)[]) => {
  const urls: string[] = []
  const fetch = (async (url: string) => {
    urls.push(url)
    const next = answers.shift() ?? 200
    if (next instanceof Error) throw next
    return new Response(JSON.stringify({ status: next }), { status: next })
  }) as unknown as typeof globalThis.fetch
  return { urls, fetch }
}

describe('fx-provider', () => {
  it('asks for one day, one base against the quotes, and returns 200 and 404 as they are', async () => {
    const { urls, fetch } = scripted([404])
    const sleeps: number[] = []
    const provider = frankfurterProvider({
      baseUrl: 'http://fx.test/',
      fetch,
      sleep: async (ms) => void sleeps.push(ms),
    })
    const answer = await provider.fetchDay('2024-01-06', 'GBP', ['USD', 'EUR'])
    assert.deepEqual([answer.status, answer.url], [404, 'http://fx.test/2024-01-06?from=GBP&to=USD,EUR'])
    assert.deepEqual(urls, ['http://fx.test/2024-01-06?from=GBP&to=USD,EUR'])
    assert.deepEqual(sleeps, [])
  })

  it('retries 5xx, 429 and network errors with doubling backoff, then gives up with the last reason', async () => {
    const { urls, fetch } = scripted([
      503,
      429,
      Object.assign(new Error('socket hang up'), { name: 'FetchError' }),
      200,
    ])
    const sleeps: number[] = []
    const provider = frankfurterProvider({
      baseUrl: 'http://fx.test',
      fetch,
      attempts: 4,
      backoffMs: 100,
      sleep: async (ms) => void sleeps.push(ms),
    })
    assert.equal((await provider.fetchDay('2024-01-05', 'EUR', ['GBP'])).status, 200)
    assert.equal(urls.length, 4)
    assert.ok(sleeps[0]! >= 100 && sleeps[0]! <= 150 && sleeps[1]! >= 200 && sleeps[2]! >= 400, sleeps.join())
    const failing = scripted([500, 500])
    const twice = frankfurterProvider({
      baseUrl: 'http://fx.test',
      fetch: failing.fetch,
      attempts: 2,
      sleep: async () => {},
    })
    await assert.rejects(twice.fetchDay('2024-01-05', 'EUR', ['GBP']), /failed 2 times .* \(last: HTTP 500/)
    await assert.rejects(twice.fetchDay('2024-1-5', 'EUR', ['GBP']), /invalid FX request/)
  })
})
