/**
 * The source side of verify, in one REPEATABLE READ READ ONLY transaction: each source table's row count
 * and each warehouse table's expected rows (written to scratch files). A table whose SQL no longer runs
 * (a column dropped or renamed, a table gone) is reported with the reason and the others carry on: a
 * savepoint keeps the transaction and its snapshot alive.
 */
import { SOURCE_TABLES, type SourceTable } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { SESSION_SQL } from '../extract/source-sql.ts'
import type { Database } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { runCopyToScratch } from './copy-to-scratch.ts'
import {
  EXPECTED_ROWS_SQL,
  EXPECTED_SETTINGS_SQL,
  type ExpectedTable,
  MADE_FROM,
} from './expected-rows-sql.ts'
import { runCountRows, runInSavepoint } from './savepoint.ts'
import type { VerifyProgress } from './verify-progress.ts'

export interface SourceRead {
  readonly sourceRows: Partial<Record<SourceTable, number>>
  /** Source tables that could not be counted, and why. */
  readonly sourceProblems: Partial<Record<SourceTable, string>>
  /** Scratch keys of each warehouse table's expected rows (CSV). */
  readonly files: Partial<Record<ExpectedTable, string>>
  /** Warehouse tables whose expected rows could not be read, and why. */
  readonly problems: Partial<Record<ExpectedTable, string>>
}

/** The scratch key of a warehouse table's expected rows. */
export const expectedScratchKey = (table: ExpectedTable) => `source/${table}.csv`

/** Reads counts and expected rows as of the loaded watermarks. */
export async function runReadSourceExpected(
  db: Database,
  input: {
    watermarks: Partial<Record<SourceTable, string>>
    lagMs: number
    scratch: ObjectStore
    progress: VerifyProgress
  },
): Promise<SourceRead> {
  const { scratch, progress } = input
  return db.transaction(
    async (tx) => {
      await tx.exec(SESSION_SQL)
      await tx.query(EXPECTED_SETTINGS_SQL, [JSON.stringify(input.watermarks), String(input.lagMs)])
      const counted = await runCountRows(
        tx,
        SOURCE_TABLES.map((table) => [table, quoteIdent(table)] as const),
      )
      const sourceRows = counted.counts
      const sourceProblems = counted.problems
      const tables = Object.keys(EXPECTED_ROWS_SQL) as ExpectedTable[]
      progress.phase(
        'source',
        tables.reduce((n, t) => n + (sourceRows[MADE_FROM[t]] ?? 0), 0),
        'rows',
      )
      const files: Partial<Record<ExpectedTable, string>> = {}
      const problems: Partial<Record<ExpectedTable, string>> = {}
      for (const table of tables) {
        const copied = await runInSavepoint(tx, () =>
          runCopyToScratch(tx, EXPECTED_ROWS_SQL[table], scratch, expectedScratchKey(table), progress),
        )
        if (copied.ok) files[table] = expectedScratchKey(table)
        else problems[table] = toDriftReason(table, copied.reason)
      }
      return { sourceRows, sourceProblems, files, problems }
    },
    { isolation: 'repeatable read', readOnly: true },
  )
}

/** Why a table's expected rows could not be read, in the operator's terms. */
function toDriftReason(table: ExpectedTable, reason: string): string {
  const drift =
    /column .* does not exist|relation .* does not exist|does not exist|operator does not exist|cannot cast/i
  return drift.test(reason)
    ? `the source no longer matches the contract for ${table} (${reason}): a column or table was dropped, renamed or retyped`
    : `the source rows for ${table} could not be read: ${reason}`
}
