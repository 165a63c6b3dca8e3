/** Gathers the facts of logical readiness from the source (plan-logical-check.ts judges them). */
import type { Config } from '../config.ts'
import { SOURCE_TABLES } from '../core/source-catalogue.ts'
import { READINESS_SQL } from '../extract/logical/logical-sql.ts'
import type { Database } from '../io/database.ts'
import type { LogicalFacts } from './plan-logical-check.ts'

export async function runLogicalFacts(db: Database, cdc: Config['cdc']): Promise<LogicalFacts> {
  if (db.kind === 'embedded') return { kind: 'embedded' }
  const [row] = await db.query<{
    wal_level: string
    max_slots: number
    slots_used: number
    can_replicate: boolean | null
    rds_replication: boolean
    major: number
    publication_exists: boolean
    can_publish: boolean | null
    slot_retained_bytes: string | null
    slot_exists: boolean
  }>(READINESS_SQL, [cdc.slot, cdc.publication, SOURCE_TABLES])
  if (!row) throw new Error('the source returned no readiness facts')
  return {
    kind: 'server',
    walLevel: row.wal_level,
    major: Number(row.major),
    maxSlots: row.max_slots,
    slotsUsed: row.slots_used,
    canReplicate: row.can_replicate === true,
    rdsReplication: row.rds_replication,
    publicationExists: row.publication_exists,
    canPublish: row.can_publish === true,
    slotExists: row.slot_exists,
    slotRetainedBytes: row.slot_retained_bytes === null ? null : Number(row.slot_retained_bytes),
  }
}
