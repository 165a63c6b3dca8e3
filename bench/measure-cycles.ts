/**
 * (3) Incremental cycles after the first load, in process as `watch` runs them: nothing changed, then
 * 1,000 and 10,000 payments updated (paid = true, last_updated = now), each timed through runPipelineOnce.
 */
import pg from 'pg'
import { runPipelineOnce } from '../src/service/pipeline.ts'
import { openPipeline } from './pipeline-deps.ts'
import type { StageConfig } from './stage-child.ts'

export interface CycleFigures {
  readonly changes: number
  readonly s: number
  readonly extractS: number
  readonly loadedRows: number
}

export interface CyclesFigures {
  /** The first cycle in a fresh process (nothing changed): connections, DuckDB start-up. */
  readonly coldIdle: CycleFigures
  readonly idle: CycleFigures
  readonly changes1k: CycleFigures
  readonly changes10k: CycleFigures
}

/** Updates `count` payments starting after `offset` (by id); returns how many rows changed. */
async function updatePayments(sourceUrl: string, count: number, offset: number): Promise<number> {
  const client = new pg.Client({ connectionString: sourceUrl })
  await client.connect()
  try {
    const result = await client.query(
      `UPDATE payment SET paid = true, last_updated = localtimestamp(3)
       WHERE payment_id IN (SELECT payment_id FROM payment ORDER BY payment_id LIMIT $1 OFFSET $2)`,
      [count, offset],
    )
    return result.rowCount ?? 0
  } finally {
    await client.end()
  }
}

/** Runs the four cycles on the data the full load left. */
export async function runCycles(config: StageConfig): Promise<CyclesFigures> {
  const pipeline = openPipeline(config)
  const cycle = async (changes: number): Promise<CycleFigures> => {
    const started = performance.now()
    const result = await runPipelineOnce(pipeline.deps)
    const s = (performance.now() - started) / 1000
    const loadedRows = result.load.loaded
      .flatMap((b) => Object.values(b.tables).map((t) => t?.rows ?? 0))
      .reduce((a, b) => a + b, 0)
    return { changes, s, extractS: result.extract.ms / 1000, loadedRows }
  }
  try {
    const coldIdle = await cycle(0)
    const idle = await cycle(0)
    const changes1k = await cycle(await updatePayments(config.sourceUrl, 1_000, 0))
    const changes10k = await cycle(await updatePayments(config.sourceUrl, 10_000, 1_000))
    return { coldIdle, idle, changes1k, changes10k }
  } finally {
    await pipeline.close()
  }
}
