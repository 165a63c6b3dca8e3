/** `totesys-etl schema list|accept`: the registered shapes of the source tables. */

import { ConfigError } from '../../../core/errors.ts'
import { isSourceTable, SOURCE_TABLES } from '../../../core/source-catalogue.ts'
import type { RegisterCommand } from '../command-context.ts'

export const registerSchema: RegisterCommand = (program, ctx) => {
  const schema = program.command('schema').description('the schema registry of the source tables')
  schema
    .command('list [table]')
    .description('list registered schema versions')
    .action(async (table: string | undefined, _options, command) => {
      const { runListSchemaVersions } = await import('../../../transform/schema-registry.ts')
      if (table !== undefined && !isSourceTable(table)) throw new ConfigError(`unknown table '${table}'`)
      await ctx.withDeps(command, async (deps) => {
        for (const t of table ? [table] : SOURCE_TABLES) {
          for (const v of await runListSchemaVersions(deps.ingestion, t)) {
            console.log(`${t} v${v.version}: ${v.columns.map((c) => c.name).join(', ')}  (${v.reason})`)
          }
        }
      })
    })
  schema
    .command('accept <table>')
    .description("register the changed shape of a table's held slice as its next schema version")
    .option('--rename <mapping...>', 'source_name=catalogue_name for a needed column the source renamed')
    .action(async (table: string, options: { rename?: string[] }, command) => {
      const { runAcceptSchema } = await import('../../../transform/run-accept-schema.ts')
      if (!isSourceTable(table)) throw new ConfigError(`unknown table '${table}'`)
      const renames: Record<string, string> = {}
      for (const mapping of options.rename ?? []) {
        const [source, target] = mapping.split('=')
        if (!source || !target) throw new ConfigError(`--rename expects source=target; got '${mapping}'`)
        renames[source] = target
      }
      await ctx.withDeps(command, async (deps) => {
        const v = await runAcceptSchema(deps.ingestion, { table, renames })
        console.log(`${table}: schema v${v.version} registered; run 'quarantine replay' then 'transform'`)
      })
    })
}
