/**
 * What the transform holds in quarantine and has not replayed, per source table: how many rows, in
 * which entries (paths), for which reasons, and local paths of the held rows for DuckDB (so a missing
 * row whose version is held is reported as held, not as a difference).
 */
import type { SourceTable } from '../core/source-catalogue.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { quarantineEntryKey, runListQuarantine } from '../transform/quarantine-store.ts'
import { toStorePath } from './read-lake.ts'
import type { HeldRows } from './verify-report.ts'

export interface QuarantineRead {
  readonly tables: readonly HeldRows[]
  /** Local paths of the held rows (gzip'd ingestion-format CSV), per source table. */
  readonly files: Partial<Record<SourceTable, string[]>>
  /** Held data files that could not be read. */
  readonly problems: readonly string[]
}

/** Lists the held entries and fetches their rows' files into localDir (a folder store's file is used in place). */
export async function runReadQuarantineHeld(
  ingestion: ObjectStore,
  localDir: string,
): Promise<QuarantineRead> {
  const held = (await runListQuarantine(ingestion)).filter((e) => e.replayedIn === null)
  const byTable = new Map<SourceTable, HeldRows & { reasons: { reason: string; rows: number }[] }>()
  const files: Partial<Record<SourceTable, string[]>> = {}
  const problems: string[] = []
  for (const entry of held) {
    const summary = byTable.get(entry.table) ?? {
      table: entry.table,
      rows: 0,
      entries: 0,
      where: [],
      reasons: [],
    }
    const reasons = new Map(summary.reasons.map((r) => [r.reason, r.rows]))
    for (const r of entry.reasons) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + r.rows)
    byTable.set(entry.table, {
      table: entry.table,
      rows: summary.rows + entry.rows,
      entries: summary.entries + 1,
      where: [
        ...summary.where,
        toStorePath(ingestion, quarantineEntryKey(entry.batchId, entry.table, entry.id)),
      ],
      reasons: [...reasons]
        .map(([reason, rows]) => ({ reason, rows }))
        .sort((a, b) => b.rows - a.rows || a.reason.localeCompare(b.reason)),
    })
    try {
      const local = await ingestion.toLocalFile(entry.dataKey, `${localDir}/quarantine`)
      const list = files[entry.table] ?? []
      list.push(local)
      files[entry.table] = list
    } catch (error) {
      problems.push(`${toStorePath(ingestion, entry.dataKey)}: unreadable (${(error as Error).message})`)
    }
  }
  return { tables: [...byTable.values()], files, problems }
}
