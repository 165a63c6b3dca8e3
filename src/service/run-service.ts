/**
 * The main job on one machine: make sure the source and warehouse exist (seeding the embedded source
 * with the real snapshot on first use), then run the simulator and the watch loop until aborted.
 */
import { runInitWarehouse } from '../load/run-init.ts'
import type { Log } from '../log.ts'
import { runSeed } from '../source/run-seed.ts'
import { runSimulate, type SimulateStats } from '../source/run-simulate.ts'
import { hasSourceSchema } from '../source/source-schema.ts'
import { type PipelineDeps, toWatchStages } from './pipeline.ts'
import { type CycleReport, runWatch } from './run-watch.ts'

export interface ServiceOptions {
  readonly everyMs: number
  /** Simulated application changes per second; 0 = no simulator. */
  readonly simulateRate: number
  readonly signal: AbortSignal
  readonly onCycle?: (cycle: CycleReport) => void
}

export interface ServiceDeps extends PipelineDeps {
  readonly log: Log
}

/** Prepares the databases, then runs until the signal aborts. */
export async function runService(
  deps: ServiceDeps,
  options: ServiceOptions,
): Promise<{ simulated?: SimulateStats }> {
  const source = await deps.source()
  if (!(await hasSourceSchema(source))) {
    deps.log.info('seeding the source with the real snapshot (first run)', { stage: 'service' })
    await runSeed(source, { kind: 'snapshot' }, { log: deps.log })
  }
  await runInitWarehouse(await deps.warehouse(), { purchaseFactTable: deps.purchaseFactTable })
  const simulator =
    options.simulateRate > 0
      ? runSimulate(source, {
          ratePerSecond: options.simulateRate,
          durationMs: undefined,
          // A new seed each start: the simulator must not replay the same changes after a restart.
          seed: Date.now() % 2_147_483_647,
          signal: options.signal,
          log: deps.log,
        })
      : undefined
  const watch = runWatch(toWatchStages(deps), {
    everyMs: options.everyMs,
    signal: options.signal,
    log: deps.log,
    ...(options.onCycle ? { onCycle: options.onCycle } : {}),
  })
  const [simulated] = await Promise.all([simulator, watch])
  return simulated ? { simulated } : {}
}
