/**
 * Where daily exchange rates come from: a tiny interface, and the Frankfurter adapter (ECB reference
 * rates, keyless: `GET <base-url>/YYYY-MM-DD?from=GBP&to=USD,EUR`). The adapter bounds every request by a
 * timeout and retries what can pass on a second try (network errors, timeouts, 5xx, 429) with exponential
 * backoff; past the last try it throws UnavailableError naming the request. Any other answer (200, 404 for a
 * day without rates, another 4xx) is returned as is, raw: checking it is the transform's job.
 */
import { UnavailableError } from '../../core/errors.ts'

export interface FxAnswer {
  readonly url: string
  readonly status: number
  /** The response body, byte for byte as text. */
  readonly body: string
}

export interface FxProvider {
  /** Names the provider in manifests and logs. */
  readonly name: string
  /** The rates of `date` for one base currency against the quotes. */
  fetchDay(date: string, base: string, quotes: readonly string[]): Promise<FxAnswer>
}

export interface HttpFxOptions {
  /** Default https://api.frankfurter.app. */
  readonly baseUrl?: string
  /** Per attempt; default 10 s. */
  readonly timeoutMs?: number
  /** Attempts in all; default 4. */
  readonly attempts?: number
  /** First backoff; doubled each retry, with up to 50% jitter. Default 500 ms. */
  readonly backoffMs?: number
  /** Waits between attempts (tests pass a fast one). */
  readonly sleep?: (ms: number) => Promise<void>
  readonly fetch?: typeof fetch
}

export const FRANKFURTER_URL = 'https://api.frankfurter.app'

const CODE = /^[A-Z]{3}$/
const DAY = /^\d{4}-\d{2}-\d{2}$/

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The Frankfurter (ECB) adapter. */
export function frankfurterProvider(options: HttpFxOptions = {}): FxProvider {
  const baseUrl = (options.baseUrl ?? FRANKFURTER_URL).replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? 10_000
  const attempts = Math.max(1, options.attempts ?? 4)
  const backoffMs = options.backoffMs ?? 500
  const sleep = options.sleep ?? wait
  const doFetch = options.fetch ?? fetch
  return {
    name: `frankfurter ${baseUrl}`,
    async fetchDay(date, base, quotes) {
      if (!DAY.test(date) || !CODE.test(base) || !quotes.every((q) => CODE.test(q))) {
        throw new Error(`invalid FX request ${date} ${base}->${quotes.join(',')}`)
      }
      const url = `${baseUrl}/${date}?from=${base}&to=${quotes.join(',')}`
      let last = ''
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const response = await doFetch(url, {
            signal: AbortSignal.timeout(timeoutMs),
            headers: { accept: 'application/json' },
          })
          const body = await response.text()
          if (response.status < 500 && response.status !== 429) return { url, status: response.status, body }
          last = `HTTP ${response.status}: ${body.slice(0, 200)}`
        } catch (error) {
          const e = error as Error
          last = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.name}: ${e.message}`
        }
        if (attempt < attempts)
          await sleep(Math.round(backoffMs * 2 ** (attempt - 1) * (1 + Math.random() / 2)))
      }
      throw new UnavailableError(
        `the FX provider failed ${attempts} times for ${url} (last: ${last}); the run landed nothing, retry later`,
        { stage: 'fx' },
      )
    },
  }
}
