import { SYSTEM_NAMES } from '../../../settings.ts'
import type { RegisterCommand } from '../command-context.ts'

/** `totesys-etl init`: creates the warehouse database if absent, the missing tables and the load bookkeeping (idempotent). */
export const registerInit: RegisterCommand = (program, ctx) => {
  program
    .command('init')
    .description(
      'create the warehouse (its database on a server if absent, the tables of sql/warehouse.sql that are missing) and the load bookkeeping (schema etl)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command) => {
      const { runInitStage } = await import('../../../service/stages/run-load-stage.ts')
      const { toPipelineDeps } = await import('../../../service/stages/stage-deps.ts')
      await ctx.withDeps(command, async (deps) => {
        const location = deps.config.warehouseDb
        if (location.kind === 'server') {
          const { runCreateDatabaseIfAbsent } = await import('../../../io/pg-database.ts')
          const created = await runCreateDatabaseIfAbsent(location.url, SYSTEM_NAMES.warehouse)
          if (created) deps.log.info('warehouse database created', { database: created })
        }
        const warehouse = await deps.warehouse()
        const result = await runInitStage(toPipelineDeps(deps))
        if (options.json) console.log(JSON.stringify(result))
        else if (result.createdTables.length > 0) {
          console.log(
            `created ${result.createdTables.join(', ')} and the load ledger in ${warehouse.description}`,
          )
        } else console.log(`warehouse tables present in ${warehouse.description}; load ledger ready`)
      })
    })
}
