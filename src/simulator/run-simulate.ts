/**
 * The live application, simulated: at a steady rate, plans the next change (plan-change.ts) and writes
 * it (apply-change.ts) until the duration ends, the signal aborts, or `maxChanges` are done.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ConfigError } from '../core/errors.ts'
import { sourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import type { Database } from '../io/database.ts'
import type { Log } from '../log.ts'
import { runApplyChange } from './apply-change.ts'
import { planChange, type SimState, UPDATABLE_TABLES, type UpdatableTable } from './plan-change.ts'
import { mixSeed, mulberry32 } from './prng.ts'
import { hasSourceSchema } from './source-schema.ts'

export interface SimulateOptions {
  /** Changes per second, > 0. */
  readonly ratePerSecond: number
  /** Stop after this long; undefined = until the signal aborts. */
  readonly durationMs: number | undefined
  readonly seed: number
  readonly signal?: AbortSignal
  readonly log: Log
  /** Stop after this many changes (tests, scripted runs). */
  readonly maxChanges?: number
}

export interface SimulateStats {
  /** Changes planned and written (including payments that found nothing left to pay). */
  changes: number
  salesOrders: number
  purchaseOrders: number
  paymentsPaid: number
  /** Pay attempts that found every recent payment paid already. */
  nothingToPay: number
  updates: Record<UpdatableTable, number>
  ms: number
}

const SIM_STREAM = 0x73696d75
/** How far behind schedule the loop may fall before it stops trying to catch up. */
const MAX_LAG_MS = 1000

/** Runs the simulation against a seeded totesys database; returns what it did. */
export async function runSimulate(db: Database, options: SimulateOptions): Promise<SimulateStats> {
  if (!(options.ratePerSecond > 0))
    throw new ConfigError(`--rate must be above 0; got ${options.ratePerSecond}`)
  const state = await readState(db)
  const rng = mulberry32(mixSeed(options.seed, SIM_STREAM))
  const stats: SimulateStats = {
    changes: 0,
    salesOrders: 0,
    purchaseOrders: 0,
    paymentsPaid: 0,
    nothingToPay: 0,
    updates: Object.fromEntries(UPDATABLE_TABLES.map((t) => [t, 0])) as Record<UpdatableTable, number>,
    ms: 0,
  }
  const started = performance.now()
  const interval = 1000 / options.ratePerSecond
  // The n-th change is due at started + n × interval: counted, not summed, so float error cannot add
  // a change past the duration (100/s for 200 ms once made 21).
  let n = 0
  options.log.info('simulation started', {
    db: db.description,
    rate: options.ratePerSecond,
    seed: options.seed,
  })
  while (!options.signal?.aborted && stats.changes < (options.maxChanges ?? Number.POSITIVE_INFINITY)) {
    if (options.durationMs !== undefined && n * interval >= options.durationMs) break
    const wait = started + n * interval - performance.now()
    if (wait > 0 && !(await pause(wait, options.signal))) break
    // Behind by more than MAX_LAG_MS (a busy machine): skip the missed slots instead of bursting.
    n = Math.max(n + 1, Math.ceil((performance.now() - MAX_LAG_MS - started) / interval))
    const change = planChange(rng, state)
    const result = await runApplyChange(db, change)
    stats.changes++
    if (change.kind === 'sale') stats.salesOrders++
    if (change.kind === 'purchase') stats.purchaseOrders++
    if (change.kind === 'pay') result.applied ? stats.paymentsPaid++ : stats.nothingToPay++
    if (change.kind === 'update' && result.applied) stats.updates[change.table]++
    if (change.kind !== 'pay' && result.paymentId !== undefined) {
      state.maxPaymentId = Math.max(state.maxPaymentId, result.paymentId)
    }
  }
  stats.ms = Math.round(performance.now() - started)
  options.log.info('simulation stopped', { db: db.description, ...stats })
  return stats
}

/** Sleeps; false when the signal aborted first. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal })
    return true
  } catch (error) {
    if ((error as Error).name === 'AbortError') return false
    throw error
  }
}

/** The ids the simulated application may refer to. */
async function readState(db: Database): Promise<SimState> {
  if (!(await hasSourceSchema(db))) {
    throw new ConfigError(`${db.description} has no totesys tables: run 'totesys-etl seed' first`)
  }
  const ids = {} as Record<UpdatableTable | 'currency', number[]>
  for (const table of [...UPDATABLE_TABLES, 'currency'] as const) {
    const key = quoteIdent(sourceTable(table).primaryKey)
    const rows = await db.query<{ id: number }>(`SELECT ${key} AS id FROM ${quoteIdent(table)} ORDER BY 1`)
    if (rows.length === 0) {
      throw new ConfigError(`${db.description} has no ${table} rows: run 'totesys-etl seed' first`)
    }
    ids[table] = rows.map((r) => r.id)
  }
  const [max] = await db.query<{ id: number }>('SELECT coalesce(max(payment_id), 0) AS id FROM payment')
  return { ids, maxPaymentId: max?.id ?? 0 }
}
