/**
 * Runs a function one invocation at a time: its EventBridge rules (schedules, manifest events) put their
 * events on an SQS FIFO queue with a single message group, and the function reads that queue. Lambda hands
 * a FIFO message group to one invocation at a time, in order, so two transforms (or loads) never run at
 * once, and events that pile up while one runs arrive together in the next invocation (up to 10), which does
 * all pending work once. Reserved concurrency 1 would do the same, but an account with the initial Lambda
 * quota (10) cannot reserve any concurrency, so the first deploy in a new account would fail.
 *
 * A failed invocation leaves its messages on the queue; they come back after the visibility timeout (the
 * function's timeout plus a minute) and, after 3 receipts, go to the FIFO dead-letter queue, which alarms.
 */
import { Duration } from 'aws-cdk-lib'
import * as events from 'aws-cdk-lib/aws-events'
import * as targets from 'aws-cdk-lib/aws-events-targets'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import type { StageFunction } from './stage-function.ts'

/** Receipts of a message before it moves to the dead-letter queue. */
export const MAX_RECEIVES = 3
/** Events one invocation takes at most (the FIFO maximum). */
export const BATCH_SIZE = 10

/** An EventBridge rule that wakes the function: a schedule or an event pattern. */
export interface Wake {
  readonly id: string
  readonly description: string
  readonly schedule?: events.Schedule
  readonly eventPattern?: events.EventPattern
}

export interface SerialTriggerProps {
  readonly function: StageFunction
  readonly wakes: readonly Wake[]
  /** FIFO: where messages go after MAX_RECEIVES failed invocations. */
  readonly deadLetterQueue: sqs.IQueue
  /** Standard: where EventBridge puts events it could not deliver to the queue. */
  readonly undeliveredEvents: sqs.IQueue
}

export class SerialTrigger extends Construct {
  readonly queue: sqs.Queue
  readonly rules: events.Rule[]

  constructor(scope: Construct, id: string, props: SerialTriggerProps) {
    super(scope, id)
    const { fn } = props.function
    this.queue = new sqs.Queue(this, 'Queue', {
      fifo: true,
      // EventBridge sends each event once with its own id: the body's hash is a sound deduplication id.
      contentBasedDeduplication: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: (fn.timeout ?? Duration.minutes(1)).plus(Duration.minutes(1)),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
    })
    fn.addEventSource(new SqsEventSource(this.queue, { batchSize: BATCH_SIZE }))
    const target = new targets.SqsQueue(this.queue, {
      messageGroupId: props.function.stage,
      deadLetterQueue: props.undeliveredEvents,
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    })
    this.rules = props.wakes.map(
      (wake) =>
        new events.Rule(this, wake.id, {
          description: wake.description,
          ...(wake.schedule ? { schedule: wake.schedule } : {}),
          ...(wake.eventPattern ? { eventPattern: wake.eventPattern } : {}),
          targets: [target],
        }),
    )
  }
}
