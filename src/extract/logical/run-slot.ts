/** The replication slot and publication of logical mode, on the source: read, create, advance, drop. */
import { ConflictError } from '../../core/errors.ts'
import type { SqlSession } from '../../io/database.ts'
import {
  ADVANCE_SQL,
  createPublicationSql,
  DROP_SLOT_SQL,
  PUBLICATION_EXISTS_SQL,
  SLOT_STATE_SQL,
} from './logical-sql.ts'
import type { SlotState } from './plan-logical-start.ts'

/** SQLSTATE 55006 (object in use): another consumer holds the slot right now. */
export function toSlotBusy(error: unknown, slot: string): unknown {
  if ((error as { code?: unknown } | null)?.code !== '55006') return error
  return new ConflictError(
    `replication slot ${slot} is held by another consumer (only one extract may read it at a time); this run did nothing, try again`,
    { stage: 'extract' },
    { cause: error },
  )
}

/** The slot's state, or undefined when there is none. */
export async function runReadSlot(db: SqlSession, slot: string): Promise<SlotState | undefined> {
  const [row] = await db.query<{
    confirmed: string | null
    wal_status: string | null
    active_pid: number | null
    plugin: string | null
    here: boolean
    retained_bytes: string | null
  }>(SLOT_STATE_SQL, [slot])
  if (!row) return undefined
  return {
    confirmed: row.confirmed,
    walStatus: row.wal_status,
    activePid: row.active_pid,
    plugin: row.plugin,
    here: row.here,
    retainedBytes: row.retained_bytes === null ? null : Number(row.retained_bytes),
  }
}

/** Creates the publication of the 11 tables unless it exists (needs ownership of them, or superuser). */
export async function runEnsurePublication(db: SqlSession, publication: string): Promise<void> {
  const [row] = await db.query<{ n: number }>(PUBLICATION_EXISTS_SQL, [publication])
  if ((row?.n ?? 0) > 0) return
  try {
    await db.exec(createPublicationSql(publication))
  } catch (error) {
    if ((error as { code?: unknown }).code !== '42710') throw error // created by another run meanwhile
  }
}

/** Moves the slot's confirmed position to `lsn` (the end of the last transaction a committed batch holds). */
export async function runAdvanceSlot(db: SqlSession, slot: string, lsn: string): Promise<void> {
  try {
    await db.query(ADVANCE_SQL, [slot, lsn])
  } catch (error) {
    throw toSlotBusy(error, slot)
  }
}

/** Drops the slot (the WAL it retained is freed). */
export async function runDropSlot(db: SqlSession, slot: string): Promise<void> {
  try {
    await db.query(DROP_SLOT_SQL, [slot])
  } catch (error) {
    if ((error as { code?: unknown }).code === '42704') return // already gone
    throw toSlotBusy(error, slot)
  }
}
