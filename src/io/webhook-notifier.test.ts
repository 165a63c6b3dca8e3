import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { webhookNotifier } from './webhook-notifier.ts'

describe('webhookNotifier', () => {
  it('posts each alert as JSON, and reports a refusal', async () => {
    const received: unknown[] = []
    let status = 204
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => {
        body += c.toString()
      })
      req.on('end', () => {
        received.push(JSON.parse(body))
        res.writeHead(status).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    try {
      const notifier = webhookNotifier(url)
      await notifier.notify({ message: 'source down', fields: { table: 'payment' }, at: 1 })
      assert.deepEqual(received, [
        {
          text: 'totesys-etl ALERT: source down',
          message: 'source down',
          fields: { table: 'payment' },
          at: 1,
        },
      ])
      status = 500
      await assert.rejects(notifier.notify({ message: 'x', fields: {}, at: 2 }), /webhook answered 500/)
    } finally {
      server.close()
    }
  })
})
