/**
 * Replays quarantined rows: each held entry is re-submitted as a NEW ingestion batch (the next sequence
 * number, committed with a conditional create like any extract) whose only table entry points at the
 * held CSV and whose manifest lists `replay_of: [entry id]`. The normal transform then processes it in
 * batch order: rows pass the checks again against the current schema registry (those still failing are
 * quarantined again under the new batch), lookup rows merge into the state by last_updated (an old
 * version never overwrites a newer one), and the processed batch has the same id as its ingestion batch,
 * so the load's ordering and ledger need nothing new. Exactly once: the transform state remembers every
 * replayed entry id, so a second replay batch of the same entry (a replay that crashed before marking the
 * entry) transforms to nothing. Cursors and createdAt are copied from the latest batch, so the extract's
 * window does not move.
 */
import { batchIdsFromKeys, MANIFEST_PREFIX, manifestKey, parseBatchId, toBatchId } from '../core/batch-id.ts'
import { ConfigError, ConflictError } from '../core/errors.ts'
import { commitBatch } from '../core/manifests/commit-batch.ts'
import { INGESTION_MANIFEST, type IngestionManifest } from '../core/manifests/ingestion.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { Log } from '../log.ts'
import { type ListedQuarantineEntry, runListQuarantine, runMarkReplayed } from './quarantine-store.ts'
import { runCheckLakeFile } from './run-check-lake-file.ts'
import { SOURCE_NEEDS } from './source-needs.ts'

export interface ReplayResult {
  readonly replayed: readonly { readonly entryId: string; readonly batchId: string; readonly rows: number }[]
}

/** Re-submits one held entry (by id) or every held entry, lookups before facts, oldest first. */
export async function runReplay(
  deps: { readonly ingestion: ObjectStore; readonly log: Log },
  input: { readonly entryId?: string } = {},
): Promise<ReplayResult> {
  const all = await runListQuarantine(deps.ingestion)
  const held = all.filter(
    (e) => e.replayedIn === null && (input.entryId === undefined || e.id === input.entryId),
  )
  if (input.entryId !== undefined && held.length === 0) {
    const known = all.find((e) => e.id === input.entryId)
    throw new ConfigError(
      known
        ? `quarantine entry ${input.entryId} was already replayed in batch ${known.replayedIn}`
        : `no quarantine entry ${input.entryId}; see 'totesys-etl quarantine list'`,
    )
  }
  const rank = (e: ListedQuarantineEntry) => SOURCE_NEEDS.findIndex((n) => n.table === e.table)
  held.sort((a, b) => rank(a) - rank(b) || a.batchId.localeCompare(b.batchId))
  const replayed: { entryId: string; batchId: string; rows: number }[] = []
  for (const entry of held) {
    // The held rows are lake data like any batch file: checked before they are re-submitted.
    await runCheckLakeFile(
      deps.ingestion,
      { key: entry.dataKey, batchId: entry.batchId, table: entry.table, expected: entry.sha256 },
      { store: deps.ingestion.description, stage: 'replay', log: deps.log },
    )
    const batchId = await commitReplayBatch(deps.ingestion, entry)
    await runMarkReplayed(deps.ingestion, entry, batchId)
    deps.log.info('quarantine entry replayed', {
      stage: 'replay',
      entryId: entry.id,
      table: entry.table,
      rows: entry.rows,
      batchId,
    })
    replayed.push({ entryId: entry.id, batchId, rows: entry.rows })
  }
  return { replayed }
}

async function commitReplayBatch(store: ObjectStore, entry: ListedQuarantineEntry): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const ids = batchIdsFromKeys(await store.list(MANIFEST_PREFIX))
    const latestId = ids.at(-1)
    if (latestId === undefined) throw new ConfigError('the ingestion store has no batch to replay after')
    const latest = await readManifest(store, manifestKey(latestId), INGESTION_MANIFEST)
    const batchId = toBatchId((parseBatchId(latestId) ?? 0) + 1)
    const manifest: IngestionManifest = {
      format: latest.format,
      batchId,
      createdAt: latest.createdAt,
      lagMs: latest.lagMs,
      tables: [
        {
          table: entry.table,
          key: entry.dataKey,
          rows: entry.rows,
          bytes: entry.bytes,
          sha256: entry.sha256,
          minLastUpdated: entry.minLastUpdated,
          maxLastUpdated: entry.maxLastUpdated,
          columns: entry.columns,
          schemaFingerprint: entry.schemaFingerprint,
        },
      ],
      failedTables: [],
      cursors: latest.cursors,
      replayOf: [entry.id],
    }
    // The replay writes no data file of its own (it points at the held one): nothing to tidy on a lost race.
    const key = manifestKey(batchId)
    if (await commitBatch(store, { key, codec: INGESTION_MANIFEST, manifest, written: [] })) return batchId
  }
  throw new ConflictError(
    `could not commit a replay batch for ${entry.id}: the ingestion store keeps moving`,
    {
      stage: 'replay',
    },
  )
}
