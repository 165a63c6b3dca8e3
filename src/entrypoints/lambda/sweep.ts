/**
 * The sweep function: on its weekly schedule (or `{}`) deletes the orphan data files of both stores, as
 * `totesys-etl sweep` does. `{ "dryRun": true }` only lists them.
 */

import { z } from 'zod'
import { processEnvironment } from '../../config.ts'
import { runSweep, type SweepResult } from '../../maintenance/run-sweep.ts'
import type { Deps } from '../make-deps.ts'
import { lambdaDeps } from './lambda-deps.ts'
import { parseStageEvent } from './parse-event.ts'
import { recordInvocation } from './record-invocation.ts'
import { traced } from './tracing.ts'

const dryRunEvent = z.object({ dryRun: z.boolean() }).strict()

/** A handler over the given dependencies (tests build their own). */
export function makeSweepHandler(getDeps: () => Promise<Deps>) {
  return async (event: unknown): Promise<SweepResult> => {
    const asked = dryRunEvent.safeParse(event)
    if (!asked.success) parseStageEvent(event) // anything but a schedule, {} or { dryRun } is refused
    return recordInvocation(await getDeps(), 'sweep', (deps) =>
      runSweep(deps, { dryRun: asked.success && asked.data.dryRun }),
    )
  }
}

export const handler = traced('sweep', makeSweepHandler(lambdaDeps(processEnvironment(), [])))
