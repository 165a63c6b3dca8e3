/**
 * The verdicts of `check` (pure): what each probe's findings mean for the pipeline, in one line each.
 * The probes (run-check.ts) only gather facts; these functions judge them.
 */

/** One system's verdict. */
export interface CheckResult {
  /** source, warehouse, ingestion, processed. */
  readonly system: string
  /** What it is and the setting that points at it: `source (TOTESYS_DB_URL)`. */
  readonly name: string
  /** Where it is (redacted). */
  readonly location: string
  readonly ok: boolean
  /** One line: what was found, or what is wrong and what to do. */
  readonly verdict: string
  /** Findings that are not failures but deserve a look (a clock off by seconds). */
  readonly warnings: readonly string[]
  readonly ms: number
  readonly details: Readonly<Record<string, unknown>>
}

export interface CheckReport {
  readonly ok: boolean
  readonly checks: readonly CheckResult[]
}

/** A clock more than this far from this machine's is worth a warning. */
export const SKEW_WARNING_MS = 1000

/**
 * The database clock against this machine's, and against EXTRACT_LAG: the extract reads its window by
 * the source's own clock, but freshness, the status page and alerts compare loaded stamps with this
 * machine's clock, so a skew as large as the lag makes them misread.
 */
export function toClockVerdict(
  skewMs: number,
  lagMs: number,
): { ok: boolean; text: string; warning?: string } {
  const sign = skewMs > 0 ? '+' : skewMs < 0 ? '−' : '±'
  const text = `clock ${sign}${(Math.abs(skewMs) / 1000).toFixed(2)} s (EXTRACT_LAG ${formatLag(lagMs)})`
  if (Math.abs(skewMs) >= lagMs) {
    return {
      ok: false,
      text: `${text}: the clocks differ by more than the lag; fix NTP on this machine or the database host`,
    }
  }
  if (Math.abs(skewMs) > SKEW_WARNING_MS) {
    return { ok: true, text, warning: `the database clock is ${text.slice(6)} off this machine's` }
  }
  return { ok: true, text }
}

function formatLag(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

export interface SourceTableRights {
  readonly table: string
  readonly present: boolean
  readonly canSelect: boolean
}

/** Read rights are all the extract needs: SELECT on every source table. */
export function toSourceRightsVerdict(rows: readonly SourceTableRights[]): { ok: boolean; text: string } {
  const missing = rows.filter((r) => !r.present).map((r) => r.table)
  const denied = rows.filter((r) => r.present && !r.canSelect).map((r) => r.table)
  if (missing.length === rows.length) {
    return { ok: false, text: 'no totesys tables: seed it (totesys-etl seed) or fix TOTESYS_DB_URL' }
  }
  if (missing.length > 0) return { ok: false, text: `tables missing: ${missing.join(', ')}` }
  if (denied.length > 0) {
    return { ok: false, text: `no SELECT right on ${denied.join(', ')}: GRANT SELECT to the pipeline's role` }
  }
  return { ok: true, text: `SELECT on ${rows.length}/${rows.length} tables (read-only rights are enough)` }
}

export interface WarehouseSchema {
  /** Physical table names of the star schema, present or not. */
  readonly tables: readonly {
    readonly table: string
    readonly present: boolean
    readonly canWrite: boolean
  }[]
  readonly ledger: boolean
  /** Batches in the load ledger (undefined without a ledger). */
  readonly loadedBatches: number | undefined
  readonly lastBatch: string | undefined
}

/** Is `init` done, and may the pipeline write? */
export function toWarehouseVerdict(schema: WarehouseSchema): { ok: boolean; text: string } {
  const missing = schema.tables.filter((t) => !t.present).map((t) => t.table)
  if (missing.length === schema.tables.length && !schema.ledger) {
    return { ok: false, text: 'schema absent: run totesys-etl init' }
  }
  if (missing.length > 0 || !schema.ledger) {
    const what = [...missing, ...(schema.ledger ? [] : ['etl.load_ledger'])]
    return { ok: false, text: `schema incomplete, missing ${what.join(', ')}: run totesys-etl init` }
  }
  const readOnly = schema.tables.filter((t) => !t.canWrite).map((t) => t.table)
  if (readOnly.length > 0) {
    return { ok: false, text: `no INSERT/UPDATE right on ${readOnly.join(', ')}: the load needs them` }
  }
  const loaded =
    schema.loadedBatches === 0
      ? 'nothing loaded yet'
      : `${schema.loadedBatches} batch${schema.loadedBatches === 1 ? '' : 'es'} loaded, last ${schema.lastBatch}`
  return { ok: true, text: `schema present (${schema.tables.length} tables and the ledger), ${loaded}` }
}

/** The report: ok when every system is. */
export function toCheckReport(checks: readonly CheckResult[]): CheckReport {
  return { ok: checks.every((c) => c.ok), checks }
}
