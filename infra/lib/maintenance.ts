/**
 * Maintenance: a weekly sweep deletes the data files that only a crashed or losing attempt wrote (see
 * docs/OPERATIONS.md, "Orphan files"). It lists both buckets, reads manifests, and deletes only table data
 * files: never a manifest, a schema, a quarantine entry or the transform's state. It writes nothing.
 */
import { Duration } from 'aws-cdk-lib'
import * as events from 'aws-cdk-lib/aws-events'
import * as targets from 'aws-cdk-lib/aws-events-targets'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import type * as logs from 'aws-cdk-lib/aws-logs'
import type * as s3 from 'aws-cdk-lib/aws-s3'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { MANIFEST_PREFIX } from '../../src/core/batch-id.ts'
import { SOURCE_TABLES } from '../../src/core/source-catalogue.ts'
import { WAREHOUSE_TABLES } from '../../src/core/warehouse-catalogue.ts'
import { grantObjectAccess, tablePrefixes } from './lake-access.ts'
import { StageFunction } from './stage-function.ts'

export interface MaintenanceProps {
  readonly ingestion: s3.Bucket
  readonly processed: s3.Bucket
  readonly deadLetterQueue: sqs.Queue
  readonly logRetention: logs.RetentionDays
}

export class Maintenance extends Construct {
  readonly sweep: StageFunction

  constructor(scope: Construct, id: string, props: MaintenanceProps) {
    super(scope, id)
    const { ingestion, processed } = props
    this.sweep = new StageFunction(this, 'Sweep', {
      deadLetterQueue: props.deadLetterQueue,
      logRetention: props.logRetention,
      stage: 'sweep',
      description: 'totesys-etl: weekly deletion of orphan data files that no committed manifest names',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.minutes(10),
      duckdb: false,
      dialsDatabase: false,
      environment: {
        INGESTION_STORE: `s3://${ingestion.bucketName}`,
        PROCESSED_STORE: `s3://${processed.bucketName}`,
      },
    })
    const manifests = `${MANIFEST_PREFIX}*`
    for (const [bucket, tables] of [
      [ingestion, SOURCE_TABLES],
      [processed, WAREHOUSE_TABLES],
    ] as const) {
      grantObjectAccess(this.sweep.role, bucket, { read: [manifests], delete: tablePrefixes(tables) })
    }
    new events.Rule(this, 'SweepWeekly', {
      description: 'Wakes the sweep of orphan data files every Sunday at 03:00 UTC',
      schedule: events.Schedule.expression('cron(0 3 ? * SUN *)'),
      // Weekly, 10-minute timeout: two runs cannot overlap.
      targets: [
        new targets.LambdaFunction(this.sweep.fn, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    })
  }
}
