/** The status page and its JSON, as one Hono app: a plain fetch(Request) → Response, tested in process. */
import { Hono } from 'hono'
import { toStatusHtml } from './status-page.ts'
import type { StatusView } from './status-view.ts'

/**
 * `/` the page, `/status.json` the same view as JSON (systems that could not be read are null, with
 * `problems` saying why), `/health` 200 while every system answers and 503 with the problems otherwise.
 */
export function createStatusApp(readView: () => Promise<StatusView>): Hono {
  const app = new Hono()
  app.get('/health', async (c) => {
    const { problems } = await readView()
    return c.json({ ok: problems.length === 0, problems }, problems.length === 0 ? 200 : 503)
  })
  app.get('/status.json', async (c) => c.json(await readView()))
  app.get('/', async (c) => c.html(toStatusHtml(await readView())))
  app.onError((error, c) => c.text(`status unavailable: ${error.message}`, 503))
  return app
}
