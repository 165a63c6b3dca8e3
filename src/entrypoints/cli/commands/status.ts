import type { RegisterCommand } from './index.ts'

/** `totesys-etl status`: last batch per stage, pending work, freshness, quarantine, warehouse rows. */
export const registerStatus: RegisterCommand = (program, ctx) => {
  program
    .command('status')
    .description('show the last batch per stage, pending work, freshness, quarantine and warehouse rows')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command) => {
      const { runStatus } = await import('../../../service/run-status.ts')
      await ctx.withDeps(command, async (deps) => {
        const s = await runStatus({
          ingestion: deps.ingestion,
          processed: deps.processed,
          warehouse: await deps.warehouse(),
          purchaseFactTable: deps.config.purchaseFactTable,
        })
        if (options.json) {
          console.log(JSON.stringify(s, null, 1))
          return
        }
        const w = s.warehouse
        console.log(
          [
            `extract    last batch ${s.ingestion.lastBatch ?? '–'} (${s.ingestion.batches} committed)`,
            `transform  last batch ${s.processed.lastBatch ?? '–'}, ${s.processed.pending} pending`,
            `load       last batch ${w.lastBatch ?? '–'} at ${w.lastLoadedAt ?? '–'}, ${w.pending} pending`,
            `freshness  newest change loaded ${w.newestChange ?? '–'} (${w.freshnessSeconds === null ? '–' : `${w.freshnessSeconds.toFixed(0)} s ago`})`,
            `quarantine ${s.quarantine.entries} open entr${s.quarantine.entries === 1 ? 'y' : 'ies'}, ${s.quarantine.rows} rows`,
            ...s.quarantine.open.map((q) => `  ${q.id} ${q.table} ${q.rows} rows: ${q.reason}`),
            'warehouse rows',
            ...Object.entries(w.rows).map(([t, n]) => `  ${t.padEnd(22)} ${n}`),
          ].join('\n'),
        )
      })
    })
}
