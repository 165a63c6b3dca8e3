/** The status page and its JSON, as one Hono app: a plain fetch(Request) → Response, tested in process. */
import { Hono } from 'hono'
import type { StatusReport } from './run-status.ts'
import { type StatusHistory, toStatusHtml } from './status-page.ts'

export interface StatusSource {
  status(): Promise<StatusReport>
  history(): StatusHistory
}

export function createStatusApp(source: StatusSource): Hono {
  const app = new Hono()
  app.get('/health', (c) => c.json({ ok: true }))
  app.get('/status.json', async (c) => c.json({ ...(await source.status()), history: source.history() }))
  app.get('/', async (c) => c.html(toStatusHtml(await source.status(), source.history())))
  app.onError((error, c) => c.text(`status unavailable: ${error.message}`, 503))
  return app
}
