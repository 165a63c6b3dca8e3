/**
 * `check` (as Airbyte's "check connection"): can the pipeline reach, read and write everything it is
 * configured with? Four probes run at once, each bounded by a timeout: the source (reachable, version,
 * SELECT on the 11 tables, clock), the warehouse (reachable, version, schema and rights, ledger, clock)
 * and both stores (write, read back and delete a probe object). Nothing is changed but the probe object.
 */
import { randomBytes } from 'node:crypto'
import { type Config, describeLocation } from '../config.ts'
import { MANIFEST_PREFIX } from '../core/batch-id.ts'
import { SOURCE_TABLES } from '../core/source-catalogue.ts'
import { WAREHOUSE_TABLES } from '../core/warehouse-catalogue.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { toPhysicalTable } from '../load/warehouse-names.ts'
import { SYSTEM_NAMES } from '../settings.ts'
import {
  type CheckReport,
  type CheckResult,
  type SourceTableRights,
  toCheckReport,
  toClockVerdict,
  toSourceRightsVerdict,
  toWarehouseVerdict,
} from './plan-check.ts'
import { toLogicalVerdict } from './plan-logical-check.ts'
import { runLogicalFacts } from './run-logical-check.ts'

export interface CheckDeps {
  readonly config: Config
  source(): Promise<Database>
  warehouse(): Promise<Database>
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
}

export interface CheckInput {
  /** The most one probe may take. */
  readonly timeoutMs: number
  /** This machine's clock (tests). */
  readonly now?: () => number
}

async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s (${what})`)), ms)
  })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

interface ServerFacts {
  readonly version: string
  readonly skewMs: number
}

/** Version and clock skew, the round trip's midpoint taken as the moment the database read its clock. */
async function runServerFacts(db: Database, now: () => number): Promise<ServerFacts> {
  const before = now()
  const [row] = await db.query<{ version: string; now_ms: number | string }>(
    `SELECT current_setting('server_version') AS version,
            (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms`,
  )
  const after = now()
  return {
    version: row?.version?.split(' ')[0] ?? 'unknown',
    skewMs: Math.round(Number(row?.now_ms) - (before + after) / 2),
  }
}

function result(
  system: keyof typeof SYSTEM_NAMES,
  location: string,
  started: number,
  now: () => number,
  outcome: { ok: boolean; parts: string[]; warnings?: string[]; details?: Record<string, unknown> },
): CheckResult {
  return {
    system,
    name: SYSTEM_NAMES[system],
    location,
    ok: outcome.ok,
    verdict: outcome.parts.join(' · '),
    warnings: outcome.warnings ?? [],
    ms: Math.round(now() - started),
    details: outcome.details ?? {},
  }
}

async function runCheckSource(deps: CheckDeps, input: CheckInput, now: () => number): Promise<CheckResult> {
  const started = now()
  const location = describeLocation(deps.config.totesysDb)
  try {
    return await within(input.timeoutMs, 'source', runSourceVerdict(deps, location, started, now))
  } catch (error) {
    return result('source', location, started, now, { ok: false, parts: [message(error)] })
  }
}

/** The source's version, its tables' rights, its clock, and (in logical mode) its logical readiness. */
async function runSourceVerdict(
  deps: CheckDeps,
  location: string,
  started: number,
  now: () => number,
): Promise<CheckResult> {
  const db = await deps.source()
  const facts = await runServerFacts(db, now)
  const rights = await runSourceTableRights(db)
  const tables = toSourceRightsVerdict(rights)
  const clock = toClockVerdict(facts.skewMs, deps.config.extractLagMs)
  // Logical readiness is a verdict only in logical mode; in cursor mode it is a detail (`--json`).
  const { cdc, extractMode } = deps.config
  const logical = await runLogicalFacts(db, cdc).then(
    (f) => toLogicalVerdict(f, cdc.slot, cdc.walAlertBytes),
    (error: unknown) => ({
      ok: false,
      text: `logical: unknown (${message(error)})`,
      warning: undefined,
    }),
  )
  const inLogical = extractMode === 'logical'
  return result('source', location, started, now, {
    ok: tables.ok && clock.ok && (!inLogical || logical.ok),
    parts: [`PostgreSQL ${facts.version}`, tables.text, clock.text, ...(inLogical ? [logical.text] : [])],
    warnings: [
      ...(clock.warning ? [clock.warning] : []),
      ...(inLogical && logical.warning ? [logical.warning] : []),
    ],
    details: {
      logical: logical.text,
      version: facts.version,
      skewMs: facts.skewMs,
      lagMs: deps.config.extractLagMs,
      tables: rights,
    },
  })
}

/** Whether each table is there and this login holds a privilege on it (`SELECT`, `INSERT, UPDATE`). */
async function runTableRights(
  db: Database,
  tables: readonly string[],
  privilege: string,
): Promise<{ table: string; present: boolean; allowed: boolean }[]> {
  const rows = await db.query<{ table: string; present: boolean; allowed: boolean | null }>(
    `SELECT t AS table, to_regclass('public.' || quote_ident(t)) IS NOT NULL AS present,
            CASE WHEN to_regclass('public.' || quote_ident(t)) IS NOT NULL
                 THEN has_table_privilege(to_regclass('public.' || quote_ident(t)), $2) END AS allowed
     FROM unnest($1::text[]) AS t`,
    [tables, privilege],
  )
  return rows.map((r) => ({ table: r.table, present: r.present, allowed: r.allowed === true }))
}

/** Whether each source table is there and this login may SELECT it. */
async function runSourceTableRights(db: Database): Promise<SourceTableRights[]> {
  const rows = await runTableRights(db, SOURCE_TABLES, 'SELECT')
  return rows.map((r) => ({ table: r.table, present: r.present, canSelect: r.allowed }))
}

async function runCheckWarehouse(
  deps: CheckDeps,
  input: CheckInput,
  now: () => number,
): Promise<CheckResult> {
  const started = now()
  const location = describeLocation(deps.config.warehouseDb)
  try {
    return await within(
      input.timeoutMs,
      'warehouse',
      (async () => {
        const db = await deps.warehouse()
        const facts = await runServerFacts(db, now)
        const names = WAREHOUSE_TABLES.map((t) => toPhysicalTable(t, deps.config.purchaseFactTable))
        const rows = await runTableRights(db, names, 'INSERT, UPDATE')
        const [ledger] = await db.query<{ present: boolean }>(
          `SELECT to_regclass('etl.load_ledger') IS NOT NULL AS present`,
        )
        let loadedBatches: number | undefined
        let lastBatch: string | undefined
        if (ledger?.present) {
          const [l] = await db.query<{ n: number; last: string | null }>(
            'SELECT count(*)::int AS n, max(batch_id) AS last FROM etl.load_ledger',
          )
          loadedBatches = l?.n ?? 0
          lastBatch = l?.last ?? undefined
        }
        const schema = toWarehouseVerdict({
          tables: rows.map((r) => ({ table: r.table, present: r.present, canWrite: r.allowed })),
          ledger: ledger?.present === true,
          loadedBatches,
          lastBatch,
        })
        const clock = toClockVerdict(facts.skewMs, deps.config.extractLagMs)
        return result('warehouse', location, started, now, {
          ok: schema.ok && clock.ok,
          parts: [`PostgreSQL ${facts.version}`, schema.text, clock.text],
          warnings: clock.warning ? [clock.warning] : [],
          details: { version: facts.version, skewMs: facts.skewMs, loadedBatches, lastBatch },
        })
      })(),
    )
  } catch (error) {
    return result('warehouse', location, started, now, { ok: false, parts: [message(error)] })
  }
}

async function runCheckStore(
  system: 'ingestion' | 'processed',
  store: ObjectStore,
  input: CheckInput,
  now: () => number,
): Promise<CheckResult> {
  const started = now()
  const key = `_check/probe-${randomBytes(6).toString('hex')}.txt`
  const body = `totesys-etl check ${new Date(now()).toISOString()}`
  try {
    return await within(
      input.timeoutMs,
      `${system} store`,
      (async () => {
        await store.put(key, body)
        try {
          const back = await store.get(key)
          if (back === undefined || new TextDecoder().decode(back) !== body) {
            return result(system, store.description, started, now, {
              ok: false,
              parts: [`wrote ${key} but read back something else: is another process sweeping the store?`],
            })
          }
        } finally {
          await store.delete(key)
        }
        const batches = (await store.list(MANIFEST_PREFIX)).length
        return result(system, store.description, started, now, {
          ok: true,
          parts: ['writable (a probe object written, read back, deleted)', `${batches} batch manifests`],
          details: { batches },
        })
      })(),
    )
  } catch (error) {
    return result(system, store.description, started, now, { ok: false, parts: [message(error)] })
  }
}

/** Probes every system at once; never throws (each failure is a verdict). */
export async function runCheck(deps: CheckDeps, input: CheckInput): Promise<CheckReport> {
  const now = input.now ?? (() => performance.timeOrigin + performance.now())
  const checks = await Promise.all([
    runCheckSource(deps, input, now),
    runCheckWarehouse(deps, input, now),
    runCheckStore('ingestion', deps.ingestion, input, now),
    runCheckStore('processed', deps.processed, input, now),
  ])
  return toCheckReport(checks)
}
