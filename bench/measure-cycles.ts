/**
 * (3) Incremental cycles after the first load, in process as `watch` runs them: nothing changed, then
 * 1,000 and 10,000 payments updated (paid = true, last_updated = now), each timed through runPipelineOnce.
 * A change size is timed over several cycles (other payments each time) and its figure is the median
 * cycle: one cycle is one sample of a noisy machine, and the first cycle with changes in a process also
 * pays one-off costs (the first DuckDB instance, first statements) that `watch` pays once, not per cycle.
 * That first cycle is kept and printed beside the median.
 */
import pg from 'pg'
import { runPipelineOnce } from '../src/service/pipeline.ts'
import type { StageConfig } from './pipeline-deps.ts'
import { openPipeline } from './pipeline-deps.ts'

export interface CycleFigures {
  readonly changes: number
  readonly s: number
  readonly extractS: number
  readonly loadedRows: number
}

/** The median of several cycles of one change size, the first of them, and every cycle's seconds. */
export interface RepeatedCycleFigures extends CycleFigures {
  readonly first: CycleFigures
  readonly runsS: readonly number[]
}

const ROUNDS_1K = 5
const ROUNDS_10K = 3

export interface CyclesFigures {
  /** The first cycle in a fresh process (nothing changed): connections, DuckDB start-up. */
  readonly coldIdle: CycleFigures
  readonly idle: CycleFigures
  readonly changes1k: RepeatedCycleFigures
  readonly changes10k: RepeatedCycleFigures
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

async function countPayments(sourceUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: sourceUrl })
  await client.connect()
  try {
    const result = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM payment')
    return result.rows[0]?.n ?? 0
  } finally {
    await client.end()
  }
}

/** Runs the cycles on the data the full load left. */
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
  const payments = await countPayments(config.sourceUrl)
  let offset = 0
  /** `rounds` cycles of `count` changes, each on payments no earlier round touched. */
  const repeated = async (count: number, rounds: number): Promise<RepeatedCycleFigures> => {
    const runs: CycleFigures[] = []
    for (let i = 0; i < rounds; i++) {
      // A small scale has fewer payments than the rounds touch: start again from the first (a payment
      // updated again is a new version all the same).
      if (offset + count > payments) offset = 0
      runs.push(await cycle(await updatePayments(config.sourceUrl, count, offset)))
      offset += count
    }
    const median = [...runs].sort((a, b) => a.s - b.s)[Math.floor(rounds / 2)] as CycleFigures
    return { ...median, first: runs[0] as CycleFigures, runsS: runs.map((r) => r.s) }
  }
  try {
    const coldIdle = await cycle(0)
    const idle = await cycle(0)
    const changes1k = await repeated(1_000, ROUNDS_1K)
    const changes10k = await repeated(10_000, ROUNDS_10K)
    return { coldIdle, idle, changes1k, changes10k }
  } finally {
    await pipeline.close()
  }
}
