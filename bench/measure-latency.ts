/**
 * (4) Change latency in `watch` (the results call it "freshness"): runWatch (every 5 s, and every 1 s,
 * in process; in logical mode a pull every 200 ms) against the bench's databases while a driver commits
 * single-payment updates 1–3 s apart; a poller finds each version (payment_id, last_updated) in
 * fact_payment. Latency = arrival time − commit time. Not the warehouse's freshness (the age of its
 * newest change, or of the oldest batch it lacks), which is a lag.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { silentLog } from '../src/log.ts'
import { runPipelineOnce, toWatchStages } from '../src/service/pipeline.ts'
import { runWatch } from '../src/service/run-watch.ts'
import type { StageConfig } from './pipeline-deps.ts'
import { openPipeline } from './pipeline-deps.ts'

export const WATCH_EVERY_MS = 5_000
const POLL_MS = 100
const DRAIN_TIMEOUT_MS = 60_000

export interface LatencyFigures {
  readonly everyMs: number
  readonly changes: number
  readonly arrived: number
  readonly p50S: number
  readonly p95S: number
  readonly maxS: number
}

interface Change {
  readonly paymentId: number
  readonly date: string
  readonly time: string
  readonly committedAt: number
  arrivedAt?: number
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  return client
}

/** Logical mode's watch: a pull every 200 ms (an idle pull is one peek at the slot, no table scan). */
export const LOGICAL_WATCH_EVERY_MS = 200

/**
 * Commits `count` changes while watch runs every `everyMs`; returns the latency figures. With
 * `logical`, the extract reads a replication slot of that name (EXTRACT_MODE=logical), dropped at the end.
 */
export async function runChangeLatency(
  config: StageConfig,
  options: {
    readonly everyMs?: number
    readonly count?: number
    readonly onArrival?: () => void
    readonly logical?: { readonly slot: string }
  } = {},
): Promise<LatencyFigures> {
  const { logical, count = 20, onArrival = () => {} } = options
  const everyMs = options.everyMs ?? (logical ? LOGICAL_WATCH_EVERY_MS : WATCH_EVERY_MS)
  const opened = openPipeline(config)
  const pipeline = logical
    ? {
        ...opened,
        deps: {
          ...opened.deps,
          logical: {
            slot: logical.slot,
            publication: logical.slot,
            walAlertBytes: 1024 ** 3,
            sourceUrl: config.sourceUrl,
          },
        },
      }
    : opened
  // Creating the slot waits for the server's open transactions: done before the clock starts.
  if (logical) await runPipelineOnce(pipeline.deps)
  const abort = new AbortController()
  const watching = runWatch(toWatchStages(pipeline.deps), {
    everyMs,
    signal: abort.signal,
    log: silentLog,
  })
  const source = await connect(config.sourceUrl)
  const warehouse = await connect(config.warehouseUrl)
  const changes: Change[] = []
  let driving = true
  let deadline = Number.POSITIVE_INFINITY
  const polling = (async () => {
    while ((driving || changes.some((c) => c.arrivedAt === undefined)) && Date.now() < deadline) {
      for (const change of changes.filter((c) => c.arrivedAt === undefined)) {
        const { rowCount } = await warehouse.query(
          `SELECT 1 FROM fact_payment WHERE payment_id = $1
             AND last_updated_date = $2::date AND last_updated_time = $3::time`,
          [change.paymentId, change.date, change.time],
        )
        if ((rowCount ?? 0) > 0) {
          change.arrivedAt = Date.now()
          onArrival()
        }
      }
      await sleep(POLL_MS)
    }
  })()
  polling.catch(() => {}) // awaited below; this only keeps an early failure from crashing the process
  try {
    for (let i = 0; i < count; i++) {
      await sleep(1_000 + Math.random() * 2_000)
      const { rows } = await source.query<{ date: string; time: string }>(
        `UPDATE payment SET paid = NOT paid, last_updated = localtimestamp(3) WHERE payment_id = $1
         RETURNING last_updated::date::text AS date, last_updated::time::text AS time`,
        [100 + i],
      )
      const row = rows[0]
      if (!row) throw new Error(`payment ${100 + i} does not exist: seed a bigger scale`)
      changes.push({ paymentId: 100 + i, ...row, committedAt: Date.now() })
    }
    deadline = Date.now() + DRAIN_TIMEOUT_MS
    driving = false
    await polling
  } finally {
    driving = false
    abort.abort()
    await watching
    if (logical) {
      await source.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
        [logical.slot],
      )
      await source.query(`DROP PUBLICATION IF EXISTS ${logical.slot}`)
    }
    await Promise.all([source.end(), warehouse.end(), pipeline.close()])
  }
  const latencies = changes
    .filter((c) => c.arrivedAt !== undefined)
    .map((c) => ((c.arrivedAt as number) - c.committedAt) / 1000)
    .sort((a, b) => a - b)
  return {
    everyMs,
    changes: changes.length,
    arrived: latencies.length,
    p50S: percentile(latencies, 50),
    p95S: percentile(latencies, 95),
    maxS: percentile(latencies, 100),
  }
}
