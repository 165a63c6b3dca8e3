/**
 * Where a logical read starts, from the slot as the source has it and the position the last extract
 * batch recorded. Pure. The lake is the truth: the slot is trusted only while the last extract batch
 * was read from it, and every other case starts over from a fresh slot and its snapshot (read as a
 * cursor extract from the last cursors, so it repeats nothing the lake has).
 */
import type { LogicalPosition } from '../../core/manifests/ingestion.ts'
import { parseLsn } from './parse-pgoutput.ts'

/** The slot as pg_replication_slots shows it. */
export interface SlotState {
  readonly confirmed: string | null
  readonly walStatus: string | null
  readonly activePid: number | null
  readonly plugin: string | null
  /** Whether the slot belongs to the source's database. */
  readonly here: boolean
  readonly retainedBytes: number | null
}

export type LogicalStart =
  | {
      readonly action: 'stream'
      /** Transactions ending at or before this LSN are in the lake already. */
      readonly afterLsn: bigint
      /** The slot is behind the lake (a crash after the commit, before the advance): move it first. */
      readonly advanceTo: string | null
    }
  | {
      readonly action: 'snapshot'
      /** Drop the slot that is there first (it cannot be trusted). */
      readonly dropSlot: boolean
      /** Why, for the log: a first start is routine, a resync is worth an alert. */
      readonly reason: string
      readonly resync: boolean
    }
  | { readonly action: 'refuse'; readonly reason: string }

/** Decides how this logical read starts. */
export function planLogicalStart(
  slotName: string,
  slot: SlotState | undefined,
  last: LogicalPosition | undefined,
): LogicalStart {
  const ours = last !== undefined && last.slot === slotName
  if (slot === undefined) {
    return ours
      ? { action: 'snapshot', dropSlot: false, resync: true, reason: `slot ${slotName} is gone` }
      : { action: 'snapshot', dropSlot: false, resync: false, reason: 'first logical read' }
  }
  if (!slot.here || slot.plugin !== 'pgoutput') {
    return {
      action: 'refuse',
      reason: `a replication slot named ${slotName} exists ${slot.here ? `with plugin ${slot.plugin}` : 'in another database'}; choose another CDC_SLOT`,
    }
  }
  if (slot.walStatus === 'lost' || slot.confirmed === null)
    return { action: 'snapshot', dropSlot: true, resync: true, reason: `slot ${slotName} was invalidated` }
  if (!ours)
    return {
      action: 'snapshot',
      dropSlot: true,
      resync: last !== undefined,
      reason:
        last === undefined
          ? `slot ${slotName} predates the lake's logical batches`
          : `the last batch was not read from slot ${slotName}`,
    }
  if (last.snapshot === 'partial')
    return {
      action: 'snapshot',
      dropSlot: true,
      resync: true,
      reason: `the snapshot of slot ${slotName} was interrupted before all of it was read`,
    }
  const confirmed = parseLsn(slot.confirmed)
  const recorded = parseLsn(last.lsn)
  return { action: 'stream', afterLsn: recorded, advanceTo: confirmed < recorded ? last.lsn : null }
}
