/**
 * The payments API behind the API Gateway HTTP API (infra/lib/payments-api.ts): the same Hono app
 * `totesys-etl api` serves, through Hono's AWS Lambda adapter. The warehouse URL comes from its secret (WAREHOUSE_DB_SECRET_ARN), read on
 * the first request and kept while the container is warm.
 */

import { handle } from 'hono/aws-lambda'
import { createApiApp } from '../../api/payments-app.ts'
import { processEnvironment } from '../../config.ts'
import { ConfigError } from '../../core/errors.ts'
import { powertoolsLog } from '../../log.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { traced } from './tracing.ts'

/** A handler over the given dependencies (tests build their own). */
export function makeApiHandler(
  getDeps: () => Promise<Deps>,
  log = powertoolsLog({ service: 'totesys-etl-api' }),
) {
  const app = handle(createApiApp({ warehouse: async () => (await getDeps()).warehouse(), log }))
  return async (event: unknown, context: unknown) => {
    // Only HTTP events (API Gateway, a function URL) reach the app; anything else is a misrouted invocation.
    if (typeof event !== 'object' || event === null || !('requestContext' in event))
      throw new ConfigError('unrecognised event: expected a function URL or API Gateway HTTP event')
    return app(event as Parameters<typeof app>[0], context as Parameters<typeof app>[1])
  }
}

const log = powertoolsLog({ service: 'totesys-etl-api' })
export const handler = traced(
  'api',
  makeApiHandler(lambdaDeps(processEnvironment(), ['WAREHOUSE_DB_URL'], { log }), log),
)
