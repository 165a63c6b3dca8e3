import { runInitWarehouse } from '../../../load/run-init.ts'
import type { RegisterCommand } from './index.ts'

/** `totesys-etl init`: creates the missing warehouse tables and the load bookkeeping (idempotent). */
export const registerInit: RegisterCommand = (program, ctx) => {
  program
    .command('init')
    .description(
      'create the warehouse tables that are missing (sql/warehouse.sql) and the load bookkeeping (schema etl)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command) => {
      await ctx.withDeps(command, async (deps) => {
        const warehouse = await deps.warehouse()
        const result = await runInitWarehouse(warehouse, { purchaseFactTable: deps.config.purchaseFactTable })
        if (options.json) console.log(JSON.stringify(result))
        else if (result.createdTables.length > 0) {
          console.log(
            `created ${result.createdTables.join(', ')} and the load ledger in ${warehouse.description}`,
          )
        } else console.log(`warehouse tables present in ${warehouse.description}; load ledger ready`)
      })
    })
}
