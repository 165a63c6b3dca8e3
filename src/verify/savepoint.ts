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
