/** What `start` and `watch` share: alerting, the status page, the monitor, clean shutdown on signals. */
import { serve } from '@hono/node-server'
import { webhookNotifier } from '../../../io/webhook-notifier.ts'
import { runReadLedger } from '../../../load/load-ledger.ts'
import { alertingLog } from '../../../service/alerting.ts'
import { createMonitor } from '../../../service/monitor.ts'
import type { PipelineDeps } from '../../../service/pipeline.ts'
import { runStatus } from '../../../service/run-status.ts'
import type { CycleReport } from '../../../service/run-watch.ts'
import { createStatusApp } from '../../../service/status-app.ts'
import { StatusRecorder } from '../../../service/status-recorder.ts'
import type { Deps } from '../../make-deps.ts'
import { toPipelineDeps } from './run.ts'

export interface Serving {
  readonly pipeline: PipelineDeps
  readonly signal: AbortSignal
  readonly statusUrl: string | undefined
  onCycle(cycle: CycleReport): void
  close(): void
}

/** Sets up alerting, monitoring and (port > 0) the status page around the pipeline's deps. */
export function servePipeline(deps: Deps, port: number): Serving {
  const controller = new AbortController()
  const stop = () => {
    if (!controller.signal.aborted) console.error('\nstopping after the stage in hand…')
    controller.abort()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const recorder = new StatusRecorder()
  const notifier = deps.config.alertWebhookUrl ? webhookNotifier(deps.config.alertWebhookUrl) : undefined
  const log = recorder.tap(alertingLog(deps.log, notifier ? { notifier } : {}))
  const readStatus = async () =>
    runStatus({
      ingestion: deps.ingestion,
      processed: deps.processed,
      warehouse: await deps.warehouse(),
      purchaseFactTable: deps.config.purchaseFactTable,
    })
  const monitor = createMonitor({
    recorder,
    log,
    freshnessAlertMs: deps.config.freshnessAlertMs,
    readStatus,
    readLedger: async () => runReadLedger(await deps.warehouse()),
  })
  const server =
    port > 0
      ? serve({
          fetch: createStatusApp({ status: readStatus, history: () => recorder.history() }).fetch,
          port,
          hostname: '127.0.0.1',
        })
      : undefined
  return {
    pipeline: { ...toPipelineDeps(deps), log },
    signal: controller.signal,
    statusUrl: server ? `http://127.0.0.1:${port}/` : undefined,
    onCycle(cycle) {
      if (cycle.error) console.error(`cycle failed: ${cycle.error} (retrying)`)
      else if (cycle.extracted || cycle.loaded)
        console.error(
          `batch ${cycle.extracted ?? '-'}: transformed ${cycle.transformed}, loaded ${cycle.loaded} in ${cycle.ms} ms`,
        )
      monitor().catch((error: unknown) => log.warn('status sample failed', { error: String(error) }))
    },
    close() {
      server?.close()
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    },
  }
}
