/** What `start` and `watch` share: alerting, the status page, the monitor, the stop summary, clean shutdown on signals. */
import { serve } from '@hono/node-server'
import { describeLocation } from '../../../config.ts'
import { webhookNotifier } from '../../../io/webhook-notifier.ts'
import { alertingLog } from '../../../service/alerting.ts'
import { createMonitor } from '../../../service/monitor.ts'
import { runStatus } from '../../../service/run-status.ts'
import type { CycleReport } from '../../../service/run-watch.ts'
import { type PipelineDeps, toPipelineDeps } from '../../../service/stages/stage-deps.ts'
import { createStatusApp } from '../../../service/status-app.ts'
import { StatusRecorder } from '../../../service/status-recorder.ts'
import { createStatusViewReader } from '../../../service/status-view.ts'
import type { Deps } from '../../make-deps.ts'

export interface Serving {
  readonly pipeline: PipelineDeps
  readonly signal: AbortSignal
  readonly statusUrl: string | undefined
  onCycle(cycle: CycleReport): void
  /** Stops serving and logs the 'service stopped' summary. */
  close(): Promise<void>
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
  const reading = {
    ingestion: deps.ingestion,
    processed: deps.processed,
    warehouse: deps.warehouse,
    warehouseDescription: describeLocation(deps.config.warehouseDb),
    purchaseFactTable: deps.config.purchaseFactTable,
  }
  const monitor = createMonitor({
    recorder,
    log,
    freshnessAlertMs: deps.config.freshnessAlertMs,
    readStatus: () => runStatus(reading),
  })
  const server =
    port > 0
      ? serve({
          fetch: createStatusApp(createStatusViewReader({ ...reading, recorder })).fetch,
          port,
          hostname: '127.0.0.1',
        })
      : undefined
  let pending = Promise.resolve()
  return {
    pipeline: { ...toPipelineDeps(deps), log },
    signal: controller.signal,
    statusUrl: server ? `http://127.0.0.1:${port}/` : undefined,
    onCycle(cycle) {
      // A cycle that worked recovered from the store failures before it (a disk that was full): at the
      // stop they are no longer the command's failure (make-deps.ts).
      if (cycle.error === undefined) deps.forgetStoreFailuresBefore?.(cycle.at)
      // One sample at a time, in cycle order; the stage logs already said what each cycle did.
      pending = pending
        .then(() => monitor.observe(cycle))
        .catch((error: unknown) =>
          log.warn('status sample failed', { stage: 'monitor', error: String(error) }),
        )
    },
    async close() {
      server?.close()
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      await pending
      // For a person (rendered as a summary block on a terminal) and for machines (one JSON line).
      log.info('service stopped', { stage: 'service', ...(await monitor.summary()) })
    },
  }
}
