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
