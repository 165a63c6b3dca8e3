/**
 * Batch ids sort in commit order: a zero-padded sequence. The manifest `_manifests/<batch-id>.json`
 * is created only if absent, so exactly one run can commit each sequence number. Data files carry
 * the batch id plus a per-attempt suffix, so a losing or crashed attempt never overwrites committed data.
 */
import { randomBytes } from 'node:crypto'

const WIDTH = 10

/** The batch id of a sequence number. */
export function toBatchId(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new Error(`invalid batch sequence ${sequence}`)
  return String(sequence).padStart(WIDTH, '0')
}

/** The sequence number of a batch id, or undefined for anything else. */
export function parseBatchId(text: string): number | undefined {
  return /^\d{10}$/.test(text) ? Number(text) : undefined
}

/** A short random id that tells one attempt at writing a batch from another. */
export function newAttemptId(): string {
  return randomBytes(4).toString('hex')
}

/** `<prefix>/year=YYYY/month=MM/day=DD/<batch-id>-<attempt>.<ext>`, dated by a naive UTC timestamp. */
export function toPartitionedKey(
  prefix: string,
  timestamp: string,
  batchId: string,
  attempt: string,
  ext: string,
): string {
  const [, year, month, day] = /^(\d{4})-(\d{2})-(\d{2})/.exec(timestamp) ?? []
  if (!year || !month || !day) throw new Error(`invalid timestamp '${timestamp}'`)
  return `${prefix}/year=${year}/month=${month}/day=${day}/${batchId}-${attempt}.${ext}`
}

export const MANIFEST_PREFIX = '_manifests/'

/** The manifest key of a batch. */
export function manifestKey(batchId: string): string {
  return `${MANIFEST_PREFIX}${batchId}.json`
}

/** The batch ids of the manifest keys in a listing, ascending. */
export function batchIdsFromKeys(keys: readonly string[]): string[] {
  return keys
    .filter((key) => key.startsWith(MANIFEST_PREFIX) && key.endsWith('.json'))
    .map((key) => key.slice(MANIFEST_PREFIX.length, -'.json'.length))
    .filter((id) => parseBatchId(id) !== undefined)
    .sort()
}
