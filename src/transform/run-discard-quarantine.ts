/**
 * `quarantine discard <id> --reason …`: gives up on a held entry, typically rows whose versions the
 * source has since superseded (a newer version of the same rows went through), so replaying them would
 * only add stale history. The entry and its rows stay in the lake; a marker beside it records when, by
 * whom and why, and from then on status, verify and replay no longer count it as held.
 */
import { ConfigError } from '../core/errors.ts'
import type { DiscardedMarker } from '../core/manifests/quarantine.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import { type ListedQuarantineEntry, runListQuarantine, runMarkDiscarded } from './quarantine-store.ts'

/** Discards a held entry; refuses an unknown, replayed or already discarded one, or an empty reason. */
export async function runDiscardQuarantine(
  deps: { readonly ingestion: ObjectStore; readonly log: Log },
  input: { readonly entryId: string; readonly reason: string; readonly by: string; readonly nowIso: string },
): Promise<ListedQuarantineEntry> {
  const reason = input.reason.trim()
  if (reason === '')
    throw new ConfigError('quarantine discard needs --reason: why these rows will never load')
  const all = await runListQuarantine(deps.ingestion, { includeDiscarded: true })
  const entry = all.find((e) => e.id === input.entryId)
  if (!entry) throw new ConfigError(`no quarantine entry ${input.entryId}; see 'totesys-etl quarantine list'`)
  if (entry.replayedIn !== null)
    throw new ConfigError(`quarantine entry ${entry.id} was already replayed in batch ${entry.replayedIn}`)
  const marker: DiscardedMarker = { discardedAt: input.nowIso, reason, by: input.by }
  if (entry.discarded || !(await runMarkDiscarded(deps.ingestion, entry, marker))) {
    throw new ConfigError(`quarantine entry ${entry.id} is already discarded`)
  }
  deps.log.warn('quarantine entry discarded', {
    stage: 'quarantine',
    entryId: entry.id,
    batchId: entry.batchId,
    table: entry.table,
    rows: entry.rows,
    reason,
    by: input.by,
  })
  return { ...entry, discarded: marker }
}
