import { parseBatchId } from '../../../core/batch-id.ts'
import { ConfigError } from '../../../core/errors.ts'
import type { Database } from '../../../io/database.ts'
import type { ObjectStore } from '../../../io/object-store.ts'
import type { Log, LogFields, Progress } from '../../../log.ts'
import type { RegisterCommand } from './index.ts'

/** How many batches the load has ahead of it (for the bar), or undefined when it cannot tell yet. */
async function runCountPending(
  warehouse: Database,
  processed: ObjectStore,
  until: string | undefined,
): Promise<number | undefined> {
  const { batchIdsFromKeys, MANIFEST_PREFIX } = await import('../../../core/batch-id.ts')
  const { runReadLedgerBatchIds } = await import('../../../load/load-ledger.ts')
  const { planLoad } = await import('../../../load/plan-load.ts')
  try {
    const listed = batchIdsFromKeys(await processed.list(MANIFEST_PREFIX))
    return planLoad(listed, await runReadLedgerBatchIds(warehouse), until).pending.length
  } catch {
    // No ledger yet (init not run): the load itself says what to do.
    return undefined
  }
}

/** A log that also moves a bar one batch for each batch the load finishes. */
function advancing(log: Log, progress: Progress): Log {
  let rows = 0
  const seen = (message: string, fields: LogFields = {}) => {
    if (message === 'batch loaded' || message === 'batch already loaded by another run') {
      const tables = (fields.tables ?? {}) as Record<string, { rows?: number } | undefined>
      for (const t of Object.values(tables)) rows += t?.rows ?? 0
      progress.advance(1, `${rows.toLocaleString('en-US')} rows`)
    }
  }
  return {
    debug: log.debug,
    info: (message, fields) => {
      seen(message, fields)
      log.info(message, fields)
    },
    warn: log.warn,
    error: log.error,
    alert: log.alert,
  }
}

/** `totesys-etl load`: applies every processed batch the warehouse lacks, in order, each exactly once. */
export const registerLoad: RegisterCommand = (program, ctx) => {
  program
    .command('load')
    .description('load every processed batch not yet in the warehouse, in batch order, one transaction each')
    .option('--until <batch-id>', 'load no batch after this one (10 digits)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { until?: string; json?: boolean }, command) => {
      if (options.until !== undefined && parseBatchId(options.until) === undefined) {
        throw new ConfigError(`--until must be a 10-digit batch id; got '${options.until}'`)
      }
      const { runLoad } = await import('../../../load/run-load.ts')
      await ctx.withDeps(command, async (deps) => {
        const warehouse = await deps.warehouse()
        // A first load or a rebuild runs for minutes: show a bar when there is more than one batch ahead.
        const pending = await runCountPending(warehouse, deps.processed, options.until)
        const progress = ctx.progress('load', 'batches')
        if (pending !== undefined && pending > 1) progress.start(pending)
        const result = await runLoad(
          {
            warehouse,
            processed: deps.processed,
            log: advancing(deps.log, progress),
            purchaseFactTable: deps.config.purchaseFactTable,
            tmpDir: deps.config.dataDir,
          },
          options.until === undefined ? {} : { untilBatchId: options.until },
        ).finally(() => progress.stop())
        if (options.json) {
          console.log(JSON.stringify(result))
          return
        }
        for (const batch of result.loaded) {
          const tables = Object.entries(batch.tables)
            .map(([table, c]) => `${table} +${c?.inserted ?? 0}${c?.updated ? ` ~${c.updated}` : ''}`)
            .join(', ')
          console.log(`loaded batch ${batch.batchId} in ${batch.ms} ms: ${tables || 'no rows'}`)
        }
        if (result.skipped.length > 0)
          console.log(`already loaded by another run: ${result.skipped.join(', ')}`)
        if (result.loaded.length === 0 && result.skipped.length === 0) console.log('nothing to load')
        if (result.waitingFor) console.log(`stopped before missing batch ${result.waitingFor}`)
      })
    })
}
