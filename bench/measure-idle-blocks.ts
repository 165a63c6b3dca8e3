/**
 * (3b) What an idle extract poll costs the source, in blocks of its tables (heap, index and TOAST, hit
 * or read: pg_statio_user_tables), on the data the full load left. A backend's statistics reach the
 * shared counters when it disconnects, so each measured run closes its pool before the counters are
 * read. The first poll of a process reads every table (it has no proof yet); the idle polls after it
 * read none while nothing is committed on the server (plan-idle-skip.ts).
 */
import pg from 'pg'
import { runExtract } from '../src/extract/run-extract.ts'
import { FolderStore } from '../src/io/folder-store.ts'
import { PgDatabase } from '../src/io/pg-database.ts'
import { silentLog } from '../src/log.ts'
import type { StageConfig } from './pipeline-deps.ts'

export interface IdleBlocksFigures {
  /** Blocks the first poll of a process reads: every table, as every poll did before. */
  readonly firstPollBlocks: number
  /** Blocks per idle poll after it (mean of `polls`). */
  readonly idleBlocksPerPoll: number
  readonly polls: number
  /** How many of the idle polls were skipped (a commit elsewhere on the server makes a poll read). */
  readonly skipped: number
}

const BLOCKS_SQL = `SELECT coalesce(sum(heap_blks_read + heap_blks_hit + coalesce(idx_blks_read, 0)
    + coalesce(idx_blks_hit, 0) + coalesce(toast_blks_read, 0) + coalesce(toast_blks_hit, 0)), 0)::bigint AS n
  FROM pg_statio_user_tables WHERE schemaname = 'public'`

async function readBlocks(url: string): Promise<number> {
  // Another backend's exit is flushed by that backend; give it a moment to land.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return Number((await client.query<{ n: string }>(BLOCKS_SQL)).rows[0]?.n ?? 0)
  } finally {
    await client.end()
  }
}

/** Runs `idlePolls` polls after a first one in one process; returns how many were skipped. */
async function poll(config: StageConfig, idlePolls: number): Promise<number> {
  const source = new PgDatabase(config.sourceUrl)
  const deps = { source, ingestion: new FolderStore(config.ingestionDir), log: silentLog }
  try {
    await runExtract(deps, { lagMs: config.lagMs })
    let skipped = 0
    for (let i = 0; i < idlePolls; i++)
      if ((await runExtract(deps, { lagMs: config.lagMs })).skipped) skipped++
    return skipped
  } finally {
    await source.close()
  }
}

export async function runIdleBlocks(config: StageConfig, polls = 10): Promise<IdleBlocksFigures> {
  const start = await readBlocks(config.sourceUrl)
  await poll(config, 0)
  const afterFirst = await readBlocks(config.sourceUrl)
  const skipped = await poll(config, polls)
  const afterIdle = await readBlocks(config.sourceUrl)
  const firstPollBlocks = afterFirst - start
  return {
    firstPollBlocks,
    idleBlocksPerPoll: Math.max(0, afterIdle - afterFirst - firstPollBlocks) / polls,
    polls,
    skipped,
  }
}
