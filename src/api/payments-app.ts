/**
 * The payments API: one Hono app (a plain fetch(Request) → Response), served by `totesys-etl api` on
 * Node and by a Lambda function URL in AWS. Query strings are parsed once with zod (unknown parameters
 * and bad days are 400s that name the parameter); nothing from the request reaches SQL but as a bound
 * value. A warehouse that cannot be reached or is not initialised yet answers 503.
 */
import { Hono } from 'hono'
import { sql } from 'kysely'
import { z } from 'zod'
import { isDay } from '../core/civil-date.ts'
import { isTransient } from '../core/errors.ts'
import type { Database } from '../io/database.ts'
import { warehouseDb } from '../io/warehouse-db.ts'
import { errorFields, type Log } from '../log.ts'
import { toNaiveUtc } from '../streams/stream-keys.ts'
import { OPENAPI_DOCUMENT } from './openapi.ts'
import {
  type PaymentItem,
  runReadFreshness,
  runReadLastPayments,
  runReadNextPayments,
} from './payment-queries.ts'

export interface ApiDeps {
  warehouse(): Promise<Database>
  readonly log: Log
  /** The clock "today" and the freshness lag are read by (default Date.now). */
  readonly now?: () => number
}

const FIRST_DAY = '0001-01-01'

const reportQuery = z
  .object({
    as_of: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day YYYY-MM-DD')
      .refine(isDay, 'is not a calendar day')
      // PostgreSQL has no year 0 (1 BC is followed by AD 1): such a day would fail in SQL, not here.
      .refine((day) => day >= FIRST_DAY, `is out of range (${FIRST_DAY} to 9999-12-31)`)
      .optional(),
  })
  .strict()

class BadRequest extends Error {
  constructor(readonly issues: { parameter: string; message: string }[]) {
    super(issues.map((i) => `${i.parameter} ${i.message}`).join('; '))
  }
}

/** Reads ?as_of= once, strictly: one value, a real day, no other parameters. */
function parseReportQuery(url: string, nowMs: number): string {
  const params = new URL(url).searchParams
  const entries: Record<string, string> = {}
  const issues: { parameter: string; message: string }[] = []
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name)
    if (values.length > 1) issues.push({ parameter: name, message: 'is given more than once' })
    entries[name] = values[0] ?? ''
  }
  const parsed = reportQuery.safeParse(entries)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          issues.push({ parameter: key, message: 'is not a parameter of this report (only as_of)' })
      } else issues.push({ parameter: String(issue.path[0] ?? '?'), message: issue.message })
    }
  }
  if (issues.length > 0) throw new BadRequest(issues)
  return parsed.data?.as_of ?? toNaiveUtc(nowMs).slice(0, 10)
}

/** The app over its dependencies. */
export function createApiApp(deps: ApiDeps): Hono {
  const now = deps.now ?? Date.now
  const app = new Hono()

  app.use('*', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })

  const report =
    (read: (db: Database, asOf: string) => Promise<PaymentItem[]>) =>
    async (c: { req: { url: string }; json: (body: unknown, status?: 200) => Response }) => {
      const nowMs = now()
      const asOf = parseReportQuery(c.req.url, nowMs)
      const db = await deps.warehouse()
      const [payments, freshness] = await Promise.all([read(db, asOf), runReadFreshness(db, nowMs)])
      return c.json({ as_of: asOf, payments, freshness })
    }

  app.get('/payments/last5', report(runReadLastPayments))
  app.get('/payments/next5', report(runReadNextPayments))
  app.get('/health', async (c) => {
    await sql`SELECT 1`.execute(warehouseDb(await deps.warehouse()))
    return c.json({ status: 'ok', warehouse: 'reachable' })
  })
  app.get('/openapi.json', (c) => c.json(OPENAPI_DOCUMENT))

  app.notFound((c) =>
    c.json(
      {
        error: 'not_found',
        message: `no route ${c.req.method} ${new URL(c.req.url).pathname}; see /openapi.json`,
      },
      404,
    ),
  )
  app.onError((error, c) => {
    if (error instanceof BadRequest)
      return c.json({ error: 'bad_request', message: error.message, issues: error.issues }, 400)
    const code = String((error as { code?: unknown }).code ?? '')
    // 42P01: a warehouse table is missing (not initialised); transient: the database did not answer.
    if (code === '42P01' || code === '3F000' || isTransient(error)) {
      deps.log.warn('api: warehouse unavailable', {
        stage: 'api',
        path: new URL(c.req.url).pathname,
        ...errorFields(error),
      })
      return c.json(
        { error: 'unavailable', message: 'the warehouse cannot answer right now; try again shortly' },
        503,
      )
    }
    deps.log.error('api: request failed', {
      stage: 'api',
      path: new URL(c.req.url).pathname,
      ...errorFields(error),
    })
    return c.json({ error: 'internal_error', message: 'the request failed; it has been logged' }, 500)
  })
  return app
}
