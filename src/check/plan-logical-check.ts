/** Whether the source allows EXTRACT_MODE=logical, and why not (pure): `check`'s verdict. */

/** The facts READINESS_SQL gathers, or `embedded` for PGlite. */
export type LogicalFacts =
  | { readonly kind: 'embedded' }
  | {
      readonly kind: 'server'
      readonly walLevel: string
      readonly major: number
      readonly maxSlots: number
      readonly slotsUsed: number
      readonly canReplicate: boolean
      readonly rdsReplication: boolean
      readonly publicationExists: boolean
      readonly canPublish: boolean
      readonly slotExists: boolean
      readonly slotRetainedBytes: number | null
    }

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`

/** ok when logical mode can run; `text` says why not, and what to change. */
export function toLogicalVerdict(
  facts: LogicalFacts,
  slot: string,
  walAlertBytes: number,
): { ok: boolean; text: string; warning?: string } {
  if (facts.kind === 'embedded')
    return { ok: false, text: 'logical: not possible, embedded PGlite has no logical decoding' }
  const why: string[] = []
  if (facts.major < 15) why.push(`PostgreSQL ${facts.major} (15 or later is needed)`)
  if (facts.walLevel !== 'logical')
    why.push(
      `wal_level is ${facts.walLevel} (set wal_level=logical, on RDS rds.logical_replication=1, and restart)`,
    )
  if (!facts.canReplicate && !facts.rdsReplication)
    why.push('the role may not replicate (ALTER ROLE … REPLICATION; on RDS GRANT rds_replication)')
  if (!facts.slotExists && facts.slotsUsed >= facts.maxSlots)
    why.push(`no free replication slot (${facts.slotsUsed} of max_replication_slots ${facts.maxSlots} used)`)
  if (!facts.publicationExists && !facts.canPublish)
    why.push('no publication and the role cannot create one (it must own the 11 tables and have CREATE)')
  if (why.length > 0) return { ok: false, text: `logical: not possible, ${why.join('; ')}` }
  const retained = facts.slotRetainedBytes
  const slotText = facts.slotExists
    ? `slot ${slot} retains ${mb(retained ?? 0)} of WAL`
    : `slot ${slot} not yet created`
  const text = `logical: possible (wal_level logical, ${slotText})`
  if (retained !== null && retained > walAlertBytes)
    return {
      ok: true,
      text,
      warning: `slot ${slot} retains ${mb(retained)} of WAL, over CDC_WAL_ALERT (${mb(walAlertBytes)})`,
    }
  return { ok: true, text }
}
