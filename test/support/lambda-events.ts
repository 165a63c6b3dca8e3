/** The recorded event payloads under test/fixtures/events/, with a bucket and batch id filled in. */
import { readFileSync } from 'node:fs'

export type EventFixture = 'scheduled-event.json' | 's3-notification.json' | 'eventbridge-object-created.json'

/** An event as AWS delivers it, naming `bucket` and the manifest of `batchId` where it names objects. */
export function lambdaEvent(name: EventFixture, bucket = 'bucket', batchId = '0000000001'): unknown {
  const text = readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8')
  return JSON.parse(text.replaceAll('__BUCKET__', bucket).replaceAll('__BATCH__', batchId))
}
