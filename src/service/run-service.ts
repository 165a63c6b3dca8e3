/**
 * The main job on one machine: make sure the source and warehouse exist, then run the simulator (when
 * the start plan says so) and the watch loop until aborted. Only the embedded demo source is ever
 * seeded: a server source without the totesys tables is refused, never filled with a snapshot.
 */
import { ConfigError } from '../core/errors.ts'
import type { Log } from '../log.ts'
import { runSeed } from '../simulator/run-seed.ts'
import { runSimulate, type SimulateStats } from '../simulator/run-simulate.ts'
import { hasSourceSchema } from '../simulator/source-schema.ts'
import { toWatchStages } from './pipeline.ts'
import { type CycleReport, runWatch, type WatchSummary } from './run-watch.ts'
import { runInitStage } from './stages/run-load-stage.ts'
import type { PipelineDeps } from './stages/stage-deps.ts'

export interface ServiceOptions {
  readonly everyMs: number
  readonly loadEveryMs?: number
  /** Simulated application changes per second written into the source; 0 = no simulator. */
  readonly simulateRate: number
  /** Seed the source with the real snapshot when it has no tables (the embedded demo source only). */
  readonly seedIfEmpty: boolean
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
): Promise<{ simulated?: SimulateStats; watch: WatchSummary }> {
  const source = await deps.source()
  if (!(await hasSourceSchema(source))) {
    if (!options.seedIfEmpty)
      throw new ConfigError(
        `the source ${source.description} has no totesys tables; start seeds only its embedded demo source: point TOTESYS_DB_URL at the real source, or create a demo one with 'totesys-etl seed --db <url>'`,
      )
    deps.log.info('seeding the source with the real snapshot (first run)', { stage: 'service' })
    await runSeed(source, { kind: 'snapshot' }, { log: deps.log })
  }
  await runInitStage(deps)
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
    ...(options.loadEveryMs === undefined ? {} : { loadEveryMs: options.loadEveryMs }),
    signal: options.signal,
    log: deps.log,
    ...(options.onCycle ? { onCycle: options.onCycle } : {}),
  })
  const [simulated, summary] = await Promise.all([simulator, watch])
  return simulated ? { simulated, watch: summary } : { watch: summary }
}
