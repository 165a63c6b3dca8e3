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

export function toVerifyReport(input: {
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
}): VerifyReport {
  const { snapshot, source, lake, quarantine, unavailable } = input
  const findings = new Map((input.findings ?? []).map((f) => [f.table, f]))
  const sourceDown = unavailable.find((u) => u.system === 'source')
  const differences: Difference[] = [
    ...planFileDifferences(lake?.fileProblems ?? []),
    ...(input.findings ?? []).flatMap(planTableDifferences),
    ...(snapshot?.coverage && snapshot.batchIds.length > 0 ? planDateDifferences(snapshot.coverage) : []),
  ]
  // Reasons of one table (its own); a whole system down is said once, under unavailable.
  const ownReason = (table: WarehouseTable): string | null => {
    if (!snapshot || input.nothingLoaded) return null
    if (snapshot.problems[table]) return snapshot.problems[table] ?? null
    if (table === 'dim_date') return snapshot.coverage ? null : "dim_date's coverage could not be read"
    return source?.problems[table as ExpectedTable] ?? null
  }
  const systemReason = (table: WarehouseTable): string | null => {
    if (!snapshot) return 'the warehouse could not be read'
    if (input.nothingLoaded) return NOTHING_LOADED
    return table !== 'dim_date' && sourceDown
      ? `the source could not be read (${sourceDown.description})`
      : null
  }
  const tables: TableVerdict[] = WAREHOUSE_TABLES.map((table) => {
    const f = findings.get(table)
    const own = differences.filter((d) => d.table === table).length
    const reason = ownReason(table) ?? systemReason(table)
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
  const sourceTables: SourceTableSummary[] = SOURCE_TABLES.map((table) => {
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
    sourceTables,
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
