/**
 * (4b) Freshness in `watch` with EXTRACT_MODE=logical, beside cursor mode's (4): the same driver and
 * poller (measure-freshness.ts), the extract reading a replication slot every 200 ms. Undefined, with
 * the reason said, where the server's wal_level is not logical.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { type LatencyFigures, runChangeLatency } from './measure-latency.ts'
import type { StageConfig } from './pipeline-deps.ts'

export async function runLogicalFreshness(
  config: StageConfig,
  say: (line: string) => void,
): Promise<LatencyFigures | undefined> {
  const client = new pg.Client({ connectionString: config.sourceUrl })
  await client.connect()
  const { rows } = await client.query<{ wal_level: string }>(
    "SELECT current_setting('wal_level') AS wal_level",
  )
  await client.end()
  if (rows[0]?.wal_level !== 'logical') {
    say(`    skipped: the server's wal_level is ${rows[0]?.wal_level}, not logical`)
    return undefined
  }
  return runChangeLatency(config, {
    count: 20,
    logical: { slot: `bench_cdc_${randomBytes(3).toString('hex')}` },
  })
}
