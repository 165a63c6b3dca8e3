/** Logical-mode test helpers: a snapshot source on the server whose wal_level allows logical decoding. */
import { randomBytes } from 'node:crypto'
import { ConflictError } from '../../src/core/errors.ts'
import {
  type LogicalExtractDeps,
  type LogicalExtractInput,
  runLogicalExtract,
} from '../../src/extract/logical/run-logical-extract.ts'
import { runDropSlot } from '../../src/extract/logical/run-slot.ts'
import type { ExtractResult } from '../../src/extract/run-extract.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'
import { runCreateSlotWithSnapshot } from '../../src/io/pg-replication.ts'
import { type Log, memoryLog } from '../../src/log.ts'
import type { TestDatabase } from './databases.ts'
import { createSnapshotSource } from './source-fixture.ts'

export interface LogicalSource extends TestDatabase {
  /** A slot and publication name unique to this test database. */
  readonly slot: string
}

/**
 * The snapshot on the server with a unique slot name, or the reason logical decoding cannot be tested
 * here (no server, or its wal_level is not logical). `drop` drops the slot first: a leftover slot retains
 * WAL for everyone on the server, and blocks DROP DATABASE.
 */
export async function createLogicalSource(): Promise<LogicalSource | string> {
  const source = await createSnapshotSource('server')
  if (!source) return 'no PostgreSQL server reachable'
  const [row] = await source.db.query<{ wal_level: string }>(
    "SELECT current_setting('wal_level') AS wal_level",
  )
  if (row?.wal_level !== 'logical') {
    await source.drop()
    return `the server's wal_level is ${row?.wal_level}, not logical (.ci/run turns it on)`
  }
  const slot = `etl_cdc_${randomBytes(4).toString('hex')}`
  return {
    ...source,
    slot,
    async drop() {
      await runDropSlot(source.db, slot).catch(() => undefined)
      await source.drop()
    },
  }
}

/** Runs a logical extract with the test defaults (lag 2 min); `faults` injects crashes. */
export function runLogical(
  source: LogicalSource,
  store: ObjectStore,
  options: {
    log?: Log
    maxBatchRows?: number
    faults?: LogicalExtractDeps['logicalFaults']
    walAlertBytes?: number
  } = {},
): Promise<ExtractResult> {
  const input: LogicalExtractInput = {
    lagMs: 120_000,
    slot: source.slot,
    publication: source.slot,
    walAlertBytes: options.walAlertBytes ?? 1024 ** 3,
    ...(options.maxBatchRows === undefined ? {} : { maxBatchRows: options.maxBatchRows }),
  }
  return runLogicalExtract(
    {
      source: source.db,
      ingestion: store,
      log: options.log ?? memoryLog(),
      createSlot: (slot) => runCreateSlotWithSnapshot(source.url, slot),
      ...(options.faults ? { logicalFaults: options.faults } : {}),
    },
    input,
  )
}

export { ConflictError }
