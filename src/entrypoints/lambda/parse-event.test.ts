import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { ConfigError } from '../../core/errors.ts'
import { parseStageEvent } from './parse-event.ts'

const fixture = (name: string, bucket = 'ingestion-bucket', batch = '0000000007'): unknown =>
  JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/events/${name}`, import.meta.url), 'utf8')
      .replaceAll('__BUCKET__', bucket)
      .replaceAll('__BATCH__', batch),
  )

/** A batch of events as Lambda delivers it from an SQS FIFO queue (one record per event). */
const queued = (...bodies: unknown[]) => ({
  Records: bodies.map((body, i) => ({
    messageId: `0b7c5a2e-1d3f-4c55-9a1e-00000000000${i}`,
    receiptHandle: 'AQEB…',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1764489600000',
      SequenceNumber: `1880000000000000000${i}`,
      MessageGroupId: 'load',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      MessageDeduplicationId: `d${i}`,
      ApproximateFirstReceiveTimestamp: '1764489600100',
    },
    messageAttributes: {},
    md5OfBody: '0',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-2:123456789012:TotesysEtl-LoadQueue.fifo',
    awsRegion: 'eu-west-2',
  })),
})

describe('parseStageEvent', () => {
  it('reads an EventBridge scheduled event', () => {
    assert.deepEqual(parseStageEvent(fixture('scheduled-event.json')), {
      kind: 'schedule',
      time: '2026-11-26T10:01:00Z',
    })
  })

  it('reads an S3 event notification', () => {
    assert.deepEqual(parseStageEvent(fixture('s3-notification.json')), {
      kind: 'objects',
      bucket: 'ingestion-bucket',
      keys: ['_manifests/0000000007.json'],
      batchIds: ['0000000007'],
    })
  })

  it('reads an EventBridge S3 Object Created event', () => {
    assert.deepEqual(
      parseStageEvent(fixture('eventbridge-object-created.json', 'processed-bucket', '0000000012')),
      {
        kind: 'objects',
        bucket: 'processed-bucket',
        keys: ['_manifests/0000000012.json'],
        batchIds: ['0000000012'],
      },
    )
  })

  it('reads queued schedules as one wake-up at the latest time', () => {
    const at = (time: string) => ({ ...(fixture('scheduled-event.json') as object), time })
    assert.deepEqual(parseStageEvent(queued(at('2026-11-26T10:02:00Z'), at('2026-11-26T10:01:00Z'))), {
      kind: 'schedule',
      time: '2026-11-26T10:02:00Z',
    })
  })

  it('reads queued manifest events and a safety schedule as the manifests they name', () => {
    const created = (batch: string) => fixture('eventbridge-object-created.json', 'processed-bucket', batch)
    assert.deepEqual(
      parseStageEvent(queued(created('0000000013'), fixture('scheduled-event.json'), created('0000000012'))),
      {
        kind: 'objects',
        bucket: 'processed-bucket',
        keys: ['_manifests/0000000013.json', '_manifests/0000000012.json'],
        batchIds: ['0000000012', '0000000013'],
      },
    )
  })

  it('refuses a queued message that is not an EventBridge event, naming the message', () => {
    assert.throws(() => parseStageEvent(queued('{}')), /SQS message .*0: expected an EventBridge/)
    assert.throws(() => parseStageEvent(queued('not json')), /is not JSON/)
    assert.throws(() => parseStageEvent(queued(queued(fixture('scheduled-event.json')))), ConfigError)
    assert.throws(
      () =>
        parseStageEvent(
          queued(
            fixture('eventbridge-object-created.json', 'a', '0000000001'),
            fixture('eventbridge-object-created.json', 'b', '0000000002'),
          ),
        ),
      /2 buckets/,
    )
  })

  it('treats {} and no event as a manual run', () => {
    assert.deepEqual(parseStageEvent({}), { kind: 'manual' })
    assert.deepEqual(parseStageEvent(undefined), { kind: 'manual' })
  })

  it('decodes notification keys and keeps only manifests as batch ids, sorted', () => {
    const record = (key: string) => ({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'b' }, object: { key } },
    })
    const parsed = parseStageEvent({
      Records: [
        record('lake/_manifests/0000000003.json'),
        record('sales_order/x+y%3Dz.csv.gz'),
        record('_manifests/0000000002.json'),
      ],
    })
    assert.deepEqual(parsed, {
      kind: 'objects',
      bucket: 'b',
      keys: ['lake/_manifests/0000000003.json', 'sales_order/x y=z.csv.gz', '_manifests/0000000002.json'],
      batchIds: ['0000000002', '0000000003'],
    })
  })

  const bad: [string, unknown][] = [
    ['an SQS message', { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }],
    [
      'an S3 delete',
      {
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectRemoved:Delete',
            s3: { bucket: { name: 'b' }, object: { key: 'k' } },
          },
        ],
      },
    ],
    [
      'another EventBridge event',
      { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', time: 't', detail: {} },
    ],
    ['an object with unknown fields', { action: 'drop-everything' }],
    ['a string', 'extract'],
  ]
  for (const [name, event] of bad) {
    it(`rejects ${name}`, () => assert.throws(() => parseStageEvent(event), ConfigError))
  }

  it('rejects a notification naming two buckets', () => {
    const record = (bucket: string) => ({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: bucket }, object: { key: '_manifests/0000000001.json' } },
    })
    assert.throws(() => parseStageEvent({ Records: [record('a'), record('b')] }), /2 buckets/)
  })
})
