import { type ExtractResult, runExtract } from '../../extract/run-extract.ts'
import type { PipelineDeps } from './stage-deps.ts'

/** Extracts every change since the last batch; `untilMs` (a Lambda's budget) starts no batch after it. */
export async function runExtractStage(
  deps: PipelineDeps,
  options: { readonly untilMs?: number } = {},
): Promise<ExtractResult> {
  return runExtract(
    { source: await deps.source(), ingestion: deps.ingestion, log: deps.log },
    {
      lagMs: deps.lagMs,
      ...(deps.batchRows === undefined ? {} : { maxBatchRows: deps.batchRows }),
      ...(options.untilMs === undefined ? {} : { untilMs: options.untilMs }),
    },
  )
}
