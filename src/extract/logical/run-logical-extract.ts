/**
 * The extract stage in logical mode (EXTRACT_MODE=logical): changes come from a pgoutput replication
 * slot through PostgreSQL's SQL interface, so a short Lambda and a long `watch` read them alike, with no
 * long-lived replication connection. A first start (or a resync) creates the slot and reads its exported
 * snapshot as a cursor extract from the lake's last cursors: the snapshot plus the log after its
 * consistent point is every change once. Batches are the same ingestion batches as cursor mode's.
 */
import { performance } from 'node:perf_hooks'
import { ConfigError, ConflictError } from '../../core/errors.ts'
import type { IngestionManifest } from '../../core/manifests/ingestion.ts'
import type { SourceTable } from '../../core/source-catalogue.ts'
import type { SlotSnapshot } from '../../io/pg-replication.ts'
import type { ExtractDeps, ExtractInput } from '../extract-input.ts'
import { runListIngestionBatches, runReadIngestionManifest } from '../ingestion-batches.ts'
import { DEFAULT_BATCH_ROWS, type ExtractResult, runExtract } from '../run-extract.ts'
import { SLOT_NAME } from './logical-sql.ts'
import { type LogicalStart, planLogicalStart } from './plan-logical-start.ts'
import { type LogicalBatchDeps, runLogicalBatch } from './run-logical-batch.ts'
import { runAdvanceSlot, runDropSlot, runEnsurePublication, runReadSlot } from './run-slot.ts'

export interface LogicalExtractDeps extends ExtractDeps, LogicalBatchDeps {
  /** Creates the slot over a replication connection and holds its exported snapshot (io/pg-replication.ts). */
  readonly createSlot: (slot: string) => Promise<SlotSnapshot>
}

export interface LogicalExtractInput extends ExtractInput {
  readonly slot: string
  readonly publication: string
  /** Retained WAL (bytes) above which an alert fires. */
  readonly walAlertBytes: number
}

/** The latest batch an extract wrote (a quarantine replay re-submits rows, it reads no source). */
async function runReadLastExtract(
  ingestion: ExtractDeps['ingestion'],
): Promise<IngestionManifest | undefined> {
  const ids = await runListIngestionBatches(ingestion)
  for (let i = ids.length - 1; i >= 0; i--) {
    const m = await runReadIngestionManifest(ingestion, ids[i] as string)
    if (m.replayOf === undefined) return m
  }
  return undefined
}

/** Reads the log (or, first, the slot's snapshot) into ingestion batches until caught up. */
export async function runLogicalExtract(
  deps: LogicalExtractDeps,
  input: LogicalExtractInput,
): Promise<ExtractResult> {
  const started = performance.now()
  const { source, log } = deps
  checkLogicalSettings(source, input)
  const slot = await runReadSlot(source, input.slot)
  if (slot?.retainedBytes != null && slot.retainedBytes > input.walAlertBytes)
    log.alert('the replication slot retains more WAL than CDC_WAL_ALERT allows; the source disk is at risk', {
      stage: 'extract',
      slot: input.slot,
      retainedBytes: slot.retainedBytes,
      thresholdBytes: input.walAlertBytes,
    })
  const last = await runReadLastExtract(deps.ingestion)
  const start = planLogicalStart(input.slot, slot, last?.logical)
  if (start.action === 'refuse') throw new ConfigError(start.reason)
  if (start.action === 'snapshot') return runSnapshotStart(deps, input, start)
  if (start.advanceTo !== null) {
    log.warn('the slot was behind the lake (a run stopped after its commit); advancing it', {
      stage: 'extract',
      slot: input.slot,
      lsn: start.advanceTo,
    })
    await runAdvanceSlot(source, input.slot, start.advanceTo)
  }
  const { batches, rows, outcome, more } = await runReadLog(deps, input, start.afterLsn)
  return {
    batchId: batches.at(-1) ?? null,
    batches,
    outcome,
    rows,
    failedTables: [],
    more,
    ...(slot?.retainedBytes == null ? {} : { retainedWalBytes: slot.retainedBytes }),
    ms: Math.round(performance.now() - started),
  }
}

/** Logical decoding needs a server; the slot and publication names are checked before any SQL uses them. */
function checkLogicalSettings(source: LogicalExtractDeps['source'], input: LogicalExtractInput): void {
  if (source.kind !== 'server')
    throw new ConfigError(
      'EXTRACT_MODE=logical needs a PostgreSQL server as the source: embedded PGlite has no logical decoding; use EXTRACT_MODE=cursor',
    )
  for (const name of [input.slot, input.publication])
    if (!SLOT_NAME.test(name))
      throw new ConfigError(
        `CDC_SLOT and CDC_PUBLICATION must be lower-case letters, digits or _; got '${name}'`,
      )
}

/**
 * A first start or a resync: (drop the untrusted slot,) create the slot and read its exported snapshot
 * as a cursor extract; the log after its consistent point is read by the next run.
 */
async function runSnapshotStart(
  deps: LogicalExtractDeps,
  input: LogicalExtractInput,
  start: Extract<LogicalStart, { action: 'snapshot' }>,
): Promise<ExtractResult> {
  const { source, log } = deps
  const fields = { stage: 'extract', slot: input.slot, reason: start.reason }
  if (start.resync) log.alert('extract resynchronises from a fresh snapshot of a new slot', fields)
  else log.info('extract starts logical mode from the snapshot of a new slot', fields)
  if (start.dropSlot) await runDropSlot(source, input.slot)
  await runEnsurePublication(source, input.publication)
  let snapshot: SlotSnapshot
  try {
    snapshot = await deps.createSlot(input.slot)
  } catch (error) {
    if ((error as { code?: unknown }).code === '42710')
      throw new ConflictError(
        `replication slot ${input.slot} was just created by another consumer; this run did nothing, try again`,
        { stage: 'extract' },
        { cause: error },
      )
    throw error
  }
  try {
    const result = await runExtract(deps, {
      ...input,
      logicalSnapshot: { name: snapshot.snapshotName, slot: input.slot, lsn: snapshot.consistentPoint },
    })
    return { ...result, retainedWalBytes: 0 }
  } finally {
    await snapshot.close()
  }
}

/** Batches from the log until it is caught up (or the run's time is up, or a batch is not committed). */
async function runReadLog(deps: LogicalExtractDeps, input: LogicalExtractInput, from: bigint) {
  const batches: string[] = []
  const rows: Partial<Record<SourceTable, number>> = {}
  let afterLsn = from
  let outcome: ExtractResult['outcome'] = 'no-changes'
  let more = false
  do {
    const batch = await runLogicalBatch(deps, {
      slot: input.slot,
      publication: input.publication,
      lagMs: input.lagMs,
      maxChanges: input.maxBatchRows ?? DEFAULT_BATCH_ROWS,
      afterLsn,
    })
    more = batch.more
    afterLsn = batch.lsn
    if (batch.outcome !== 'committed') {
      if (batches.length === 0) outcome = batch.outcome
      break
    }
    outcome = 'committed'
    batches.push(batch.batchId as string)
    for (const [t, n] of Object.entries(batch.rows) as [SourceTable, number][]) rows[t] = (rows[t] ?? 0) + n
  } while (more && (input.untilMs === undefined || Date.now() < input.untilMs))
  return { batches, rows, outcome, more }
}
