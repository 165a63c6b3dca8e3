import { EtlError } from '../../../core/errors.ts'
import type { RegisterCommand } from '../command-context.ts'

/** `totesys-etl datasets run | quarantine`: the external JSON datasets configured in DATASETS. */
export const registerDatasets: RegisterCommand = (program, ctx) => {
  const datasets = program
    .command('datasets')
    .description('external JSON datasets (DATASETS): pick up new files, load each into its own table')
  datasets
    .command('run')
    .description('pick up every new file once, transform and load it')
    .option('--only <name>', 'only this dataset')
    .option('--json', 'print the result as JSON')
    .action(async (options: { only?: string; json?: boolean }, command) => {
      const { runDatasetsStage } = await import('../../../service/stages/run-datasets-stage.ts')
      await ctx.withDeps(command, async (deps) => {
        if (deps.config.datasets.length === 0) {
          console.log('no dataset is configured: set DATASETS (docs/OPERATIONS.md, JSON datasets)')
          return
        }
        const outcomes = await runDatasetsStage(deps, options.only)
        if (options.json) console.log(JSON.stringify(outcomes))
        else
          for (const o of outcomes) {
            if (o.error) console.log(`${o.dataset}: FAILED ${o.error}`)
            else
              console.log(
                `${o.dataset}: ${o.pickup?.files ?? 0} new files (${o.pickup?.heldFiles ?? 0} held), ${
                  o.loaded?.loaded.map((b) => `batch ${b.batchId} ${JSON.stringify(b.tables)}`).join(', ') ||
                  'nothing to load'
                }${o.pickup?.waiting ? `; ${o.pickup.waiting} files wait for the next run` : ''}`,
              )
          }
        const failed = outcomes.filter((o) => o.error)
        if (failed.length > 0)
          throw new EtlError(`datasets failed: ${failed.map((o) => o.dataset).join(', ')}`, {
            stage: 'datasets',
          })
      })
    })
  datasets
    .command('quarantine')
    .description('list what each dataset held back (files and records) and why')
    .action(async (_options, command) => {
      const { datasetStream } = await import('../../../streams/datasets/run-dataset-schema.ts')
      const { runListStreamQuarantine } = await import('../../../streams/stream-quarantine.ts')
      await ctx.withDeps(command, async (deps) => {
        for (const d of deps.config.datasets) {
          for (const e of await runListStreamQuarantine(deps.ingestion, datasetStream(d.name))) {
            console.log(
              `${d.name} batch ${e.batchId} ${e.level} ${e.source}: ${e.records} held: ${e.reason} [${e.dataKey ?? '-'}]`,
            )
          }
        }
      })
    })
}
