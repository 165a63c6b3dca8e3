/** Assembles the verify report from what each read and comparison found (pure). */
import { SOURCE_TABLES, type SourceTable } from '../core/source-catalogue.ts'
import { WAREHOUSE_TABLES, type WarehouseTable } from '../core/warehouse-catalogue.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { TableFindings } from './compare-table.ts'
import type { ExpectedTable } from './expected-rows-sql.ts'
import { planDateDifferences, planFileDifferences, planTableDifferences } from './plan-differences.ts'
import { type LakeRead, toStorePath } from './read-lake.ts'
import type { QuarantineRead } from './read-quarantine-held.ts'
import type { SourceRead } from './read-source-expected.ts'
import type { WarehouseSnapshot } from './read-warehouse-snapshot.ts'
import {
  type Difference,
  type SourceTableSummary,
  type TableVerdict,
  toVerdict,
  type Unavailable,
  VERDICT_EXIT,
  VERIFY_FORMAT,
  type VerifyReport,
} from './verify-report.ts'

export const NOTHING_LOADED = 'the warehouse has loaded no batch yet: run `totesys-etl run`'

/** What each read and comparison found, as runVerify hands it over. */
export interface VerifyReportInput {
  snapshot: WarehouseSnapshot | undefined
  source?: SourceRead | undefined
  lake?: LakeRead | undefined
  quarantine?: QuarantineRead | undefined
  findings?: readonly TableFindings[]
  lakeVersions?: Partial<Record<SourceTable, number>>
  processedDates?: number | null
  unavailable: readonly Unavailable[]
  timings: Record<string, number>
  nothingLoaded: boolean
  ingestion: ObjectStore
}

export function toVerifyReport(input: VerifyReportInput): VerifyReport {
  const { snapshot, quarantine, unavailable } = input
  const differences: Difference[] = [
    ...planFileDifferences(input.lake?.fileProblems ?? []),
    ...(input.findings ?? []).flatMap(planTableDifferences),
    ...(snapshot?.coverage && snapshot.batchIds.length > 0 ? planDateDifferences(snapshot.coverage) : []),
  ]
  const ownReason = (table: WarehouseTable) => toOwnReason(input, table)
  const tables = toTableVerdicts(input, differences, ownReason)
  const unchecked = tables.filter((t) => t.verdict === 'could_not_check')
  const verdict = toVerdict(differences.length, unchecked.length + unavailable.length)
  const held = quarantine?.tables ?? []
  return {
    format: VERIFY_FORMAT,
    verdict,
    clean: verdict === 'clean',
    exitCode: VERDICT_EXIT[verdict],
    loadedBatches: snapshot?.batchIds.length ?? 0,
    firstBatch: snapshot?.batchIds[0] ?? null,
    lastBatch: snapshot?.batchIds.at(-1) ?? null,
    watermarks: snapshot?.watermarks ?? {},
    unavailable,
    sourceTables: toSourceTables(input),
    tables,
    warehouseRows: Object.fromEntries(WAREHOUSE_TABLES.map((t) => [t, snapshot?.rows[t] ?? null])),
    dimDate: {
      first: snapshot?.coverage?.first ?? null,
      last: snapshot?.coverage?.last ?? null,
      days: snapshot?.coverage?.days ?? null,
    },
    quarantine: {
      where: toStorePath(input.ingestion, '_quarantine/'),
      rows: quarantine ? held.reduce((n, h) => n + h.rows, 0) : null,
      entries: quarantine ? held.reduce((n, h) => n + h.entries, 0) : null,
      tables: held,
    },
    differences,
    problems: [
      ...unavailable.map((u) => `could not read the ${u.system} (${u.description}): ${u.reason}`),
      ...(input.nothingLoaded ? [NOTHING_LOADED] : []),
      ...differences.map((d) => d.message),
      ...WAREHOUSE_TABLES.flatMap((t) => {
        const reason = ownReason(t)
        return reason ? [`${t}: could not check: ${reason}`] : []
      }),
    ],
    timings: input.timings,
  }
}

/** Why one table could not be checked, for reasons of its own (a whole system down is said once, apart). */
function toOwnReason(input: VerifyReportInput, table: WarehouseTable): string | null {
  const { snapshot, source } = input
  if (!snapshot || input.nothingLoaded) return null
  if (snapshot.problems[table]) return snapshot.problems[table] ?? null
  if (table === 'dim_date') return snapshot.coverage ? null : "dim_date's coverage could not be read"
  return source?.problems[table as ExpectedTable] ?? null
}

/** Why no table could be checked: the warehouse or the source down, or nothing loaded yet. */
function toSystemReason(input: VerifyReportInput, table: WarehouseTable): string | null {
  if (!input.snapshot) return 'the warehouse could not be read'
  if (input.nothingLoaded) return NOTHING_LOADED
  const sourceDown = input.unavailable.find((u) => u.system === 'source')
  return table !== 'dim_date' && sourceDown
    ? `the source could not be read (${sourceDown.description})`
    : null
}

/** Each warehouse table's verdict, reason, differences and counts per layer. */
function toTableVerdicts(
  input: VerifyReportInput,
  differences: readonly Difference[],
  ownReason: (table: WarehouseTable) => string | null,
): TableVerdict[] {
  const { snapshot } = input
  const findings = new Map((input.findings ?? []).map((f) => [f.table, f]))
  return WAREHOUSE_TABLES.map((table) => {
    const f = findings.get(table)
    const own = differences.filter((d) => d.table === table).length
    const reason = ownReason(table) ?? toSystemReason(input, table)
    const verdict = own > 0 ? 'differences' : reason ? 'could_not_check' : 'clean'
    return {
      table,
      verdict,
      reason,
      differences: own,
      counts:
        table === 'dim_date'
          ? {
              source: null,
              lake: null,
              processed: input.processedDates ?? null,
              warehouse: snapshot?.rows.dim_date ?? null,
              lag: null,
              pending: null,
              quarantined: null,
            }
          : {
              source: f?.source ?? null,
              lake: f?.lake ?? null,
              processed: f?.processed ?? null,
              warehouse: f?.warehouse ?? snapshot?.rows[table] ?? null,
              lag: f?.lag ?? null,
              pending: f?.pending ?? null,
              quarantined: f?.quarantined ?? null,
            },
    }
  })
}

/** Each source table's rows in the source and the lake, and its watermark. */
function toSourceTables(input: VerifyReportInput): SourceTableSummary[] {
  const { snapshot, source, lake } = input
  return SOURCE_TABLES.map((table) => {
    const lakeRows = lake ? (lake.ingestionRows[table] ?? 0) : null
    const lakeVersions = input.lakeVersions?.[table] ?? null
    return {
      table,
      sourceRows: source?.sourceRows[table] ?? null,
      lakeRows,
      lakeVersions,
      lakeRepeats: lakeRows !== null && lakeVersions !== null ? Math.max(0, lakeRows - lakeVersions) : null,
      watermark: snapshot?.watermarks[table] ?? null,
      problem: source?.sourceProblems[table] ?? null,
    }
  })
}
