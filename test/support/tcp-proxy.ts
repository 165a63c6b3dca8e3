/** A TCP proxy on 127.0.0.1 that a test can cut and restore: a database outage without stopping the server. */

import type { AddressInfo } from 'node:net'
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let port = 0
  const listen = (server: Server, at: number) =>
    new Promise<void>((resolve) => server.listen(at, '127.0.0.1', () => resolve()))
  const makeServer = () =>
    createServer((client) => {
      const upstream = createConnection(targetPort, targetHost)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => {})
      }
      client.pipe(upstream).pipe(client)
    })
  let server = makeServer()
  await listen(server, 0)
  port = (server.address() as AddressInfo).port
  const stop = async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return {
    port,
    cut: stop,
    async restore() {
      server = makeServer()
      await listen(server, port)
    },
    close: async () => {
      if (server.listening) await stop()
    },
  }
}
