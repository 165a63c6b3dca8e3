import { type ExtractResult, runExtract } from '../../extract/run-extract.ts'
import type { PipelineDeps } from './stage-deps.ts'

/** Extracts every change since the last batch; `untilMs` (a Lambda's budget) starts no batch after it. */
export async function runExtractStage(
  deps: PipelineDeps,
  options: { readonly untilMs?: number } = {},
): Promise<ExtractResult> {
  const extractDeps = { source: await deps.source(), ingestion: deps.ingestion, log: deps.log }
  const input = {
    lagMs: deps.lagMs,
    ...(deps.batchRows === undefined ? {} : { maxBatchRows: deps.batchRows }),
    ...(options.untilMs === undefined ? {} : { untilMs: options.untilMs }),
  }
  if (deps.logical) {
    // Loaded only in logical mode, so cursor mode (and its Lambda bundle) never loads the replication code.
    const { runLogicalExtract } = await import('../../extract/logical/run-logical-extract.ts')
    const { runCreateSlotWithSnapshot } = await import('../../io/pg-replication.ts')
    const { sourceUrl, ...cdc } = deps.logical
    return runLogicalExtract(
      {
        ...extractDeps,
        createSlot: (slot) => {
          if (sourceUrl === undefined) throw new Error('logical mode needs a postgres:// source URL')
          return runCreateSlotWithSnapshot(sourceUrl, slot)
        },
      },
      { ...input, ...cdc },
    )
  }
  return runExtract(extractDeps, input)
}
