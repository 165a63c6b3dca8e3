/**
 * A local stand-in for the FX provider: node:http on 127.0.0.1, port 0, answering
 * `GET /<day>?from=<base>&to=<quotes>` from the recorded answers in test/fixtures/fx (rates filtered to
 * the requested quotes, as the provider does). A test can make it fail: a 500, a hang past the client's
 * timeout, a body in the wrong shape, or (strict) a 404 for days without their own rates.
 */
import { readFileSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

interface Recorded {
  amount: number
  base: string
  date: string
  rates: Record<string, number>
}

const ANSWERS = (
  JSON.parse(
    readFileSync(new URL('../../fixtures/fx/frankfurter-answers.json', import.meta.url), 'utf8'),
  ) as {
    answers: Record<string, Recorded>
  }
).answers

export type Behaviour = 'ok' | '500' | 'hang' | 'bad-schema' | '404'

export interface FxTestServer {
  readonly url: string
  /** Every request path served, in order. */
  readonly requests: string[]
  /** Decides per request; the default answers from the recording. */
  behave: (day: string, base: string, attempt: number) => Behaviour
  /** Days without their own rates answer 404 (a provider that does not roll back to the business day). */
  strict: boolean
  close(): Promise<void>
}

export async function startFxServer(): Promise<FxTestServer> {
  const attempts = new Map<string, number>()
  const hanging = new Set<ServerResponse>()
  const state: FxTestServer = {
    url: '',
    requests: [],
    behave: () => 'ok',
    strict: false,
    close: async () => {
      for (const r of hanging) r.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    state.requests.push(`${url.pathname}${url.search}`)
    const day = url.pathname.slice(1)
    const base = url.searchParams.get('from') ?? 'EUR'
    const quotes = (url.searchParams.get('to') ?? '').split(',').filter(Boolean)
    const id = `${day} ${base}`
    const attempt = (attempts.get(id) ?? 0) + 1
    attempts.set(id, attempt)
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(typeof body === 'string' ? body : JSON.stringify(body))
    }
    const behaviour = state.behave(day, base, attempt)
    if (behaviour === 'hang') {
      hanging.add(res)
      return
    }
    if (behaviour === '500') return send(500, { message: 'internal server error' })
    const recorded = ANSWERS[id]
    if (behaviour === '404' || !recorded || (state.strict && recorded.date !== day))
      return send(404, { message: 'not found' })
    if (behaviour === 'bad-schema') return send(200, { ...recorded, rates: 'unavailable' })
    const rates = Object.fromEntries(Object.entries(recorded.rates).filter(([code]) => quotes.includes(code)))
    // The provider's own spelling: `1.0` for the amount, rates as JSON numbers.
    send(200, JSON.stringify({ ...recorded, rates }).replace('"amount":1,', '"amount":1.0,'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return Object.assign(state, { url: `http://127.0.0.1:${port}` })
}
