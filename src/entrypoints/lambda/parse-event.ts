/**
 * The events that wake a stage, parsed at the edge: an EventBridge scheduled event, an S3 event
 * notification, an EventBridge S3 "Object Created" event, a batch of those EventBridge events delivered
 * through the stage's SQS FIFO queue (how the stack wakes the stages), or a manual invocation (`{}`). The
 * stage never depends on which: each run does every pending batch, so the event only says why it woke.
 */
import { z } from 'zod'
import { ConfigError } from '../../core/errors.ts'
import type { Log } from '../../log.ts'

export type StageEvent =
  | { readonly kind: 'schedule'; readonly time: string }
  | { readonly kind: 'manual' }
  | {
      readonly kind: 'objects'
      readonly bucket: string
      /** Object keys, decoded. */
      readonly keys: readonly string[]
      /** Batch ids of the manifests among the keys, ascending. */
      readonly batchIds: readonly string[]
    }

const scheduled = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.string(),
})

const objectCreated = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1) }),
  }),
})

const s3Notification = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:s3'),
        eventName: z.string().startsWith('ObjectCreated:'),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({ key: z.string().min(1) }),
        }),
      }),
    )
    .min(1),
})

const manual = z.object({}).strict()

// The serial triggers (infra/lib/serial-trigger.ts): EventBridge events delivered through an SQS FIFO queue,
// up to ten at once, each the JSON body of one record.
const sqsBatch = z.object({
  Records: z
    .array(z.object({ eventSource: z.literal('aws:sqs'), messageId: z.string(), body: z.string() }))
    .min(1),
})

const MANIFEST_KEY = /(?:^|\/)_manifests\/(\d{10})\.json$/

/** Parses the event a stage function was invoked with; throws ConfigError for any other shape. */
export function parseStageEvent(event: unknown): StageEvent {
  if (event === undefined || event === null || manual.safeParse(event).success) return { kind: 'manual' }
  const direct = parseEventBridge(event)
  if (direct) return direct
  const queued = sqsBatch.safeParse(event)
  if (queued.success) return mergeQueued(queued.data.Records)
  const notification = s3Notification.safeParse(event)
  if (notification.success) {
    const records = notification.data.Records
    const buckets = new Set(records.map((r) => r.s3.bucket.name))
    if (buckets.size > 1)
      throw new ConfigError(`an S3 notification names ${buckets.size} buckets; expected one`)
    // Notification keys are URL-encoded with '+' for spaces; EventBridge keys are not.
    const keys = records.map((r) => decodeURIComponent(r.s3.object.key.replaceAll('+', ' ')))
    return toObjects(records[0]!.s3.bucket.name, keys)
  }
  throw new ConfigError(
    'unrecognised event: expected an EventBridge scheduled event, an S3 notification, an EventBridge S3 Object Created event (directly or through SQS) or {}',
  )
}

/** An EventBridge scheduled or S3 Object Created event, or undefined for anything else. */
function parseEventBridge(event: unknown): StageEvent | undefined {
  const schedule = scheduled.safeParse(event)
  if (schedule.success) return { kind: 'schedule', time: schedule.data.time }
  const bridge = objectCreated.safeParse(event)
  if (bridge.success) return toObjects(bridge.data.detail.bucket.name, [bridge.data.detail.object.key])
  return undefined
}

/**
 * One wake-up for a batch of queued EventBridge events: the objects they name (all in one bucket), or, when
 * they are all schedules, the latest schedule. The run does all pending work either way.
 */
function mergeQueued(records: readonly { messageId: string; body: string }[]): StageEvent {
  const events = records.map((record) => {
    let body: unknown
    try {
      body = JSON.parse(record.body)
    } catch {
      throw new ConfigError(`SQS message ${record.messageId} is not JSON: expected an EventBridge event`)
    }
    const parsed = parseEventBridge(body)
    if (!parsed)
      throw new ConfigError(
        `unrecognised event in SQS message ${record.messageId}: expected an EventBridge scheduled or S3 Object Created event`,
      )
    return parsed
  })
  const objects = events.filter((e) => e.kind === 'objects')
  if (objects.length === 0) {
    const times = events.map((e) => (e.kind === 'schedule' ? e.time : '')).sort()
    return { kind: 'schedule', time: times.at(-1)! }
  }
  const buckets = new Set(objects.map((e) => e.bucket))
  if (buckets.size > 1) throw new ConfigError(`queued events name ${buckets.size} buckets; expected one`)
  return toObjects(
    objects[0]!.bucket,
    objects.flatMap((e) => e.keys),
  )
}

function toObjects(bucket: string, keys: readonly string[]): StageEvent {
  const batchIds = keys
    .map((key) => MANIFEST_KEY.exec(key)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort()
  return { kind: 'objects', bucket, keys, batchIds }
}

/** Logs (at debug) why a stage woke, with the batches a manifest event names. */
export function logWake(log: Log, stage: string, woke: StageEvent): void {
  log.debug(`${stage} woke`, {
    stage,
    event: woke.kind,
    ...(woke.kind === 'objects' ? { batchIds: woke.batchIds } : {}),
  })
}
