/**
 * Where a stream (the FX rates, each JSON dataset) lives in the two stores: everything under
 * `ext/<stream>/`, so the core stages, which read only `_manifests/`, `_quarantine/`, `_schemas/` and the
 * 11 table prefixes, never see it. Inside, the same rules as the core: data files first, then
 * `_manifests/<batch-id>.json` created only if absent (the commit), batch ids a zero-padded sequence.
 */
import { batchIdsFromKeys, toPartitionedKey } from '../core/batch-id.ts'
import { ConfigError } from '../core/errors.ts'

export const STREAM_ROOT = 'ext/'

/** `fx`, or `datasets/<name>`. */
const STREAM_NAME = /^[a-z][a-z0-9_]*(\/[a-z][a-z0-9_]*)?$/

/** The root of a stream in a store. */
export function streamPrefix(stream: string): string {
  if (!STREAM_NAME.test(stream)) throw new ConfigError(`invalid extension stream name '${stream}'`)
  return `${STREAM_ROOT}${stream}/`
}

/** The prefix of a stream's manifests. */
export function streamManifestPrefix(stream: string): string {
  return `${streamPrefix(stream)}_manifests/`
}

/** The manifest key of one of a stream's batches. */
export function streamManifestKey(stream: string, batchId: string): string {
  return `${streamManifestPrefix(stream)}${batchId}.json`
}

/** The batch ids of a stream's manifests in a listing, ascending. */
export function streamBatchIds(stream: string, keys: readonly string[]): string[] {
  const prefix = streamPrefix(stream)
  return batchIdsFromKeys(keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)))
}

/** A data file of a stream's batch: `ext/<stream>/<part>/year=…/month=…/day=…/<batch>-<attempt>.<ext>`. */
export function streamDataKey(
  stream: string,
  part: string,
  createdAt: string,
  batchId: string,
  attempt: string,
  ext: string,
): string {
  return toPartitionedKey(`${streamPrefix(stream)}${part}`, createdAt, batchId, attempt, ext)
}

/** Where a stream's quarantine entries and held data live. */
export function streamQuarantinePrefix(stream: string): string {
  return `${streamPrefix(stream)}_quarantine/`
}

/** Naive UTC `YYYY-MM-DD HH:MM:SS.mmm` of an epoch time (the stamp stream manifests carry). */
export function toNaiveUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '')
}
