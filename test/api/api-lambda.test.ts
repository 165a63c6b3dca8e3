/** The payments API as the Lambda function URL runs it: the same app through Hono's Lambda adapter. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/config.ts'
import { makeApiHandler } from '../../src/entrypoints/lambda/api.ts'
import type { Deps } from '../../src/entrypoints/make-deps.ts'
import { memoryLog } from '../../src/log.ts'

/** A function URL event (payload format 2.0) for a GET. */
const aUrlEvent = (path: string, query = '') => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: path,
  rawQueryString: query,
  headers: { host: 'abc.lambda-url.eu-west-2.on.aws', accept: 'application/json' },
  requestContext: {
    accountId: 'anonymous',
    apiId: 'abc',
    domainName: 'abc.lambda-url.eu-west-2.on.aws',
    http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    requestId: 'r1',
    routeKey: '$default',
    stage: '$default',
    time: '23/Feb/2024:10:00:00 +0000',
    timeEpoch: 1708682400000,
  },
  isBase64Encoded: false,
})

describe('the payments API in Lambda', () => {
  const log = memoryLog()
  const deps = async (): Promise<Deps> => ({
    config: loadConfig({}),
    log,
    source: () => Promise.reject(new Error('never')),
    warehouse: () => Promise.reject(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })),
    ingestion: undefined as never,
    processed: undefined as never,
    close: async () => {},
  })
  const handler = makeApiHandler(deps, log)

  it('answers function URL events: the OpenAPI document, 400 for bad input, 503 without a warehouse', async () => {
    const doc = (await handler(aUrlEvent('/openapi.json'), {})) as { statusCode: number; body: string }
    assert.equal(doc.statusCode, 200)
    assert.equal(JSON.parse(doc.body).openapi, '3.1.0')
    const bad = (await handler(aUrlEvent('/payments/last5', 'as_of=2024-02-30'), {})) as {
      statusCode: number
      body: string
    }
    assert.equal(bad.statusCode, 400)
    assert.equal(JSON.parse(bad.body).issues[0].parameter, 'as_of')
    const down = (await handler(aUrlEvent('/payments/next5'), {})) as { statusCode: number }
    assert.equal(down.statusCode, 503)
  })

  it('refuses an event that is not an HTTP request', async () => {
    await assert.rejects(handler({ action: 'drop' }, {}), /ConfigError|unrecognised event/)
  })
})
