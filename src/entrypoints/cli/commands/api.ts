import { ConfigError } from '../../../core/errors.ts'
import type { RegisterCommand } from '../command-context.ts'

/** `totesys-etl api`: serves the payments API locally until Ctrl-C. */
export const registerApi: RegisterCommand = (program, ctx) => {
  program
    .command('api')
    .description('serve the payments API (GET /payments/last5, /payments/next5, /health, /openapi.json)')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8081')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (options: { port: string; host: string }, command) => {
      const port = Number(options.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new ConfigError(`--port must be a port number; got '${options.port}'`)
      const { serve } = await import('@hono/node-server')
      const { createApiApp } = await import('../../../api/payments-app.ts')
      await ctx.withDeps(command, async (deps) => {
        const app = createApiApp({ warehouse: () => deps.warehouse(), log: deps.log })
        await new Promise<void>((resolve, reject) => {
          const server = serve({ fetch: app.fetch, port, hostname: options.host }, (info) => {
            console.error(`payments API on http://${options.host}:${info.port}/ (Ctrl-C stops it)`)
          })
          server.once('error', reject)
          const stop = () => server.close(() => resolve())
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
        })
      })
    })
}
