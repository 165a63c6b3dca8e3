/**
 * `cdc drop-slot`: removes logical mode's replication slot on purpose (to free the WAL it retains, or
 * before leaving logical mode for good). The next logical extract then resynchronises from a fresh
 * snapshot (plan-logical-start.ts), so nothing is lost or repeated; only deletes made while no slot
 * existed are not seen.
 */
import { ConfigError } from '../../core/errors.ts'
import type { Database } from '../../io/database.ts'
import { runDropSlot, runReadSlot } from './run-slot.ts'

export interface DropSlotResult {
  readonly slot: string
  readonly dropped: boolean
  /** The WAL the slot retained when it was dropped (bytes), or null when there was no slot. */
  readonly retainedBytes: number | null
}

/** What the slot holds now (for the confirmation), or undefined when there is none. */
export async function runDescribeSlot(source: Database, slot: string) {
  if (source.kind !== 'server') throw new ConfigError('cdc: embedded PGlite has no replication slots')
  return runReadSlot(source, slot)
}

/** Drops the slot; a missing slot is no error (`dropped: false`). */
export async function runCdcDropSlot(source: Database, slot: string): Promise<DropSlotResult> {
  const state = await runDescribeSlot(source, slot)
  if (state === undefined) return { slot, dropped: false, retainedBytes: null }
  await runDropSlot(source, slot)
  return { slot, dropped: true, retainedBytes: state.retainedBytes }
}
