/**
 * Turns what the comparisons found into differences an operator can act on: one sentence of what
 * differs, its likely cause (from which layer still has the row) and the repair. Pure.
 */
import { sourceTable } from '../core/source-catalogue.ts'
import type { WarehouseTable } from '../core/warehouse-catalogue.ts'
import type { KeySample, MissingLayer, StaleLayer, StaleSample, TableFindings } from './compare-table.ts'
import { type ExpectedTable, MADE_FROM } from './expected-rows-sql.ts'
import type { FileProblem } from './read-lake.ts'
import type { Difference } from './verify-report.ts'
import { type DateCoverage, toDateCoverageProblems } from './verify-warehouse.ts'

const LIST = 5
/** The first keys of a sample and how many more there are. */
export function toSomeKeys(keys: readonly string[], count: number): string {
  const shown = keys.slice(0, LIST)
  return `${shown.join(', ')}${count > shown.length ? ` and ${count - shown.length} more` : ''}`
}

const REBUILD =
  'rebuild the warehouse from the processed store (docs/OPERATIONS.md, "Rebuild from the processed store": reset, `totesys-etl init`, `totesys-etl load`)'
const AGAIN = 'make the stores readable, then run `totesys-etl verify` again'

function reExtract(table: ExpectedTable): string {
  const source = MADE_FROM[table]
  return `raise EXTRACT_LAG above the application's longest transaction, then re-extract these rows by touching them at the source (UPDATE ${source} SET last_updated = localtimestamp(3) WHERE ${sourceTable(source).primaryKey} IN (…)) and \`totesys-etl run\``
}

const MISSING_CAUSE: Readonly<Record<MissingLayer, (t: ExpectedTable) => { cause: string; repair: string }>> =
  {
    not_in_lake: (t) => ({
      cause: `the ingestion lake has no such version of ${MADE_FROM[t]}: the extract never read it (a row committed more than EXTRACT_LAG after its last_updated stamp is outside the cursor's reach)`,
      repair: reExtract(t),
    }),
    not_processed: (t) => ({
      cause: `the ingestion lake has the version of ${MADE_FROM[t]}, but no loaded processed batch holds it and it is not in quarantine: the transform dropped it`,
      repair: `a transform defect: report it with these keys; meanwhile ${reExtract(t)}`,
    }),
    not_loaded: () => ({
      cause:
        'a loaded processed batch holds it but the warehouse does not: it was deleted from the warehouse outside the pipeline (a load records a batch only with all its rows)',
      repair: REBUILD,
    }),
    lake_unknown: () => ({
      cause: 'the lake could not be read, so which layer lost it is unknown',
      repair: AGAIN,
    }),
  }

const STALE_CAUSE: Readonly<Record<StaleLayer, (t: ExpectedTable) => { cause: string; repair: string }>> = {
  warehouse_only: () => ({
    cause: 'the processed store agrees with the source: the warehouse row was changed outside the pipeline',
    repair: REBUILD,
  }),
  not_in_lake: MISSING_CAUSE.not_in_lake,
  processed_differs: () => ({
    cause:
      "the processed store holds these values too: the transform's mapping differs from the spec's, or a lake file changed after its checksum was taken (see any file differences)",
    repair:
      'a transform defect (or a damaged file): report it with these keys; a rebuild would load the same values',
  }),
  lake_unknown: MISSING_CAUSE.lake_unknown,
}

function keyDifference(
  table: WarehouseTable,
  kind: Difference['kind'],
  sample: KeySample,
  what: string,
  why: { cause: string; repair: string },
): Difference[] {
  if (sample.count === 0) return []
  return [
    {
      table,
      kind,
      count: sample.count,
      keys: sample.keys,
      message: `${table}: ${sample.count} ${what}: ${toSomeKeys(sample.keys, sample.count)}`,
      ...why,
    },
  ]
}

function staleDifference(table: ExpectedTable, layer: StaleLayer, sample: StaleSample): Difference[] {
  if (sample.count === 0) return []
  const shown = sample.rows.map((r) => `${r.key} (${r.columns.join(', ')})`)
  return [
    {
      table,
      kind: 'stale',
      count: sample.count,
      keys: sample.keys,
      columns: sample.columns,
      message: `${table}: ${sample.count} row(s) differ from the source: ${toSomeKeys(shown, sample.count)}`,
      ...STALE_CAUSE[layer](table),
    },
  ]
}

/** The differences of one table's findings, most telling first. */
export function planTableDifferences(f: TableFindings): Difference[] {
  const t = f.table as ExpectedTable
  const isFact = t.startsWith('fact_')
  return [
    ...(['not_in_lake', 'not_processed', 'not_loaded', 'lake_unknown'] as const).flatMap((m) =>
      keyDifference(t, 'missing', f.missing[m], 'expected row(s) missing', MISSING_CAUSE[m](t)),
    ),
    ...(['warehouse_only', 'not_in_lake', 'processed_differs', 'lake_unknown'] as const).flatMap((s) =>
      staleDifference(t, s, f.stale[s]),
    ),
    ...keyDifference(t, 'duplicated', f.duplicated, 'key(s) present more than once', {
      cause:
        'loaded twice, or inserted outside the pipeline (the load adds a version only when it is absent)',
      repair: REBUILD,
    }),
    ...keyDifference(
      t,
      'unexpected',
      f.unexpected,
      isFact ? 'version(s) no loaded batch holds' : 'row(s) the source never had',
      isFact
        ? { cause: 'added to the warehouse outside the pipeline', repair: REBUILD }
        : {
            cause:
              'the source has no row with this id: added to the warehouse outside the pipeline, or deleted at the source (the cursor cannot see deletes, so the dimension keeps the row)',
            repair: `if it was added by hand, ${REBUILD}; a row deleted at the source needs no repair`,
          },
    ),
    ...keyDifference(
      t,
      'not_loaded',
      f.notLoaded,
      'lake version(s) not in the warehouse',
      MISSING_CAUSE.not_loaded(t),
    ),
    ...keyDifference(
      t,
      'processed_duplicate',
      f.processedDuplicates,
      'version(s) stand in more than one processed batch',
      {
        cause:
          'the transform wrote again a version that the lake (at-least-once) delivered twice; the processed store must hold each version once',
        repair:
          'the warehouse keeps one copy (a fact version is appended only when absent), so no repair is needed there; report the transform defect with these keys',
      },
    ),
  ]
}

/** Every lake file that fails its manifest, as one difference. */
export function planFileDifferences(problems: readonly FileProblem[]): Difference[] {
  if (problems.length === 0) return []
  const keys = problems.slice(0, 20).map((p) => `${p.path}: ${p.message}`)
  return [
    {
      table: 'lake',
      kind: 'file',
      count: problems.length,
      keys,
      message: `${problems.length} lake file(s) do not match their manifest: ${toSomeKeys(keys, problems.length)}`,
      cause:
        'changed, truncated or deleted after its manifest committed (each manifest records the checksum of the file as written)',
      repair:
        "restore the file from a backup or the bucket's object versions; the stages refuse a file that fails its checksum, so nothing built on it is loaded",
    },
  ]
}

/** dim_date's gaps and the fact dates it lacks (messages as the load's tests state them). */
export function planDateDifferences(coverage: DateCoverage): Difference[] {
  const messages = toDateCoverageProblems(coverage)
  const why = {
    cause: 'days were deleted from dim_date outside the pipeline (each load adds every day its batch spans)',
    repair: REBUILD,
  }
  const gaps: Difference[] =
    coverage.gaps.length === 0
      ? []
      : [
          {
            table: 'dim_date',
            kind: 'dim_date',
            count: coverage.gaps.length,
            keys: coverage.gaps.slice(0, 20),
            message: messages[0] ?? '',
            ...why,
          },
        ]
  const referenced = coverage.missingReferenced.map(
    (m, i): Difference => ({
      table: 'dim_date',
      kind: 'dim_date',
      count: 1,
      keys: [`${m.table}.${m.column} ${m.date}`],
      message: messages[gaps.length + i] ?? '',
      ...why,
    }),
  )
  return [...gaps, ...referenced]
}
