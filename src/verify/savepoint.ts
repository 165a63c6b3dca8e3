/**
 * One step of a read-only transaction that may fail on its own (a table dropped or a column renamed
 * at the source, a warehouse table missing) without ending the transaction or the snapshot it holds.
 */
import type { SqlSession } from '../io/database.ts'

export type StepResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string }

/** Runs fn inside a savepoint: its failure is rolled back to the savepoint and returned as a reason. */
export async function runInSavepoint<T>(tx: SqlSession, fn: () => Promise<T>): Promise<StepResult<T>> {
  await tx.exec('SAVEPOINT verify_step')
  try {
    const value = await fn()
    await tx.exec('RELEASE SAVEPOINT verify_step')
    return { ok: true, value }
  } catch (error) {
    // If the connection itself is gone this throws too, and the caller reports the system unreachable.
    await tx.exec('ROLLBACK TO SAVEPOINT verify_step')
    return { ok: false, reason: (error as Error).message ?? String(error) }
  }
}

/**
 * The row count of each table (by its quoted name), or why it cannot be counted: all in one statement
 * first (on PGlite one count with its savepoint cost ~2 ms, eleven of them ~24 CPU-ms; together ~9), and
 * when that fails (a table missing or unreadable) one by one, each in its own savepoint as before, so
 * the others are still counted and each failure is said for its own table.
 */
export async function runCountRows<K extends string>(
  tx: SqlSession,
  tables: readonly (readonly [key: K, quotedName: string])[],
): Promise<{ counts: Partial<Record<K, number>>; problems: Partial<Record<K, string>> }> {
  const counts: Partial<Record<K, number>> = {}
  const problems: Partial<Record<K, string>> = {}
  if (tables.length === 0) return { counts, problems }
  const together = await runInSavepoint(tx, () =>
    tx.query<Record<string, number>>(
      `SELECT ${tables.map(([, name], i) => `(SELECT count(*)::int FROM ${name}) AS n${i}`).join(', ')}`,
    ),
  )
  if (together.ok) {
    const [row] = together.value
    tables.forEach(([key], i) => {
      counts[key] = row?.[`n${i}`] ?? 0
    })
    return { counts, problems }
  }
  for (const [key, name] of tables) {
    const counted = await runInSavepoint(tx, () =>
      tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`),
    )
    if (counted.ok) counts[key] = counted.value[0]?.n ?? 0
    else problems[key] = counted.reason
  }
  return { counts, problems }
}
