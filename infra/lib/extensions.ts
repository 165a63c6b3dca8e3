/**
 * The FX and datasets extensions in AWS, each a function built like the stages (own role, own log group,
 * retries into the dead-letter queue, logged-error metric) with the same four alarms, plus their own:
 * - fx: daily FX rates on a schedule after the ECB publishes; alarms when no run succeeded for a day
 *   (after a warm-up, so a new stack does not sit in alarm until its first run), and when answers were held;
 * - datasets: the JSON datasets of DatasetsConfig picked up on a schedule from DatasetsSourceBucket, one run
 *   at a time; alarms when files or records were held in quarantine.
 * Each writes only its own prefix of the lake (`ext/fx/`, `ext/datasets/`) and reads the warehouse through
 * its own role's secret (sql/roles.sql), which reaches only its own tables.
 */
import { Aws, CfnCondition, Duration, Fn, Validations } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as events from 'aws-cdk-lib/aws-events'
import * as targets from 'aws-cdk-lib/aws-events-targets'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import type * as logs from 'aws-cdk-lib/aws-logs'
import type * as s3 from 'aws-cdk-lib/aws-s3'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { METRIC_NAMESPACE, METRIC_SERVICE, STREAM_METRICS } from '../../src/core/metric-names.ts'
import { grantObjectAccess } from './lake-access.ts'
import type { Monitoring } from './monitoring.ts'
import { everyMinutes } from './pipeline.ts'
import { SerialTrigger } from './serial-trigger.ts'
import type { StackParameters } from './stack-parameters.ts'
import { type FunctionNetwork, StageFunction } from './stage-function.ts'

export interface ExtensionsProps {
  readonly ingestion: s3.Bucket
  readonly processed: s3.Bucket
  readonly parameters: StackParameters
  readonly deadLetterQueue: sqs.Queue
  readonly stageDeadLetterQueue: sqs.Queue
  readonly logRetention: logs.RetentionDays
  readonly duckdbArchitecture: lambda.Architecture
  readonly monitoring: Monitoring
  readonly network?: FunctionNetwork
}

/** The prefix each extension owns in both buckets. */
export const EXTENSION_PREFIXES = { fx: 'ext/fx/', datasets: 'ext/datasets/' } as const

const metric = (name: string, statistic: string, period: Duration) =>
  new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRIC_SERVICE },
    statistic,
    period,
  })

export class Extensions extends Construct {
  readonly functions: { readonly fx: StageFunction; readonly datasets: StageFunction }

  constructor(scope: Construct, id: string, props: ExtensionsProps) {
    super(scope, id)
    const { ingestion, processed, monitoring, parameters } = props
    const common = { deadLetterQueue: props.deadLetterQueue, logRetention: props.logRetention }
    const stores = {
      INGESTION_STORE: `s3://${ingestion.bucketName}`,
      PROCESSED_STORE: `s3://${processed.bucketName}`,
    }
    const vpc = props.network ? { vpc: props.network } : {}
    const fxSecret = parameters.secrets.FxDbSecretArn.valueAsString
    const datasetsSecret = parameters.secrets.DatasetsDbSecretArn.valueAsString

    const fx = new StageFunction(this, 'Fx', {
      ...common,
      stage: 'fx',
      description: 'totesys-etl: daily FX rates from the ECB (Frankfurter) into fact_fx_rate',
      architecture: props.duckdbArchitecture,
      memorySize: 1024,
      timeout: Duration.minutes(5),
      duckdb: true,
      dialsDatabase: true,
      environment: { ...stores, WAREHOUSE_DB_SECRET_ARN: fxSecret, FX_DAYS: '4' },
      ...vpc,
    })
    const datasets = new StageFunction(this, 'Datasets', {
      ...common,
      stage: 'datasets',
      description: 'totesys-etl: new JSON dataset files from the source bucket into their tables',
      architecture: props.duckdbArchitecture,
      memorySize: 2048,
      timeout: Duration.minutes(10),
      duckdb: true,
      dialsDatabase: true,
      environment: {
        ...stores,
        WAREHOUSE_DB_SECRET_ARN: datasetsSecret,
        DATASETS: parameters.datasetsConfig.valueAsString,
      },
      ...vpc,
    })
    this.functions = { fx, datasets }

    secretsmanager.Secret.fromSecretCompleteArn(this, 'FxDbSecret', fxSecret).grantRead(fx.fn)
    secretsmanager.Secret.fromSecretCompleteArn(this, 'DatasetsDbSecret', datasetsSecret).grantRead(
      datasets.fn,
    )
    for (const [f, prefix] of [
      [fx, EXTENSION_PREFIXES.fx],
      [datasets, EXTENSION_PREFIXES.datasets],
    ] as const) {
      // Delete: a run that loses the commit race removes its own files.
      const own = [`${prefix}*`]
      for (const bucket of [ingestion, processed])
        grantObjectAccess(f.role, bucket, { read: own, write: own, delete: own })
    }
    const hasSource = new CfnCondition(this, 'HasDatasetsSource', {
      expression: Fn.conditionNot(Fn.conditionEquals(parameters.datasetsSourceBucket.valueAsString, '')),
    })
    const sourceArn = `arn:${Aws.PARTITION}:s3:::${parameters.datasetsSourceBucket.valueAsString}`
    const sourceRead = new iam.Policy(this, 'DatasetsSourceRead', {
      roles: [datasets.role],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [sourceArn] }),
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${sourceArn}/*`] }),
      ],
    })
    ;(sourceRead.node.defaultChild as iam.CfnPolicy).cfnOptions.condition = hasSource
    Validations.of(sourceRead).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<DatasetsSourceBucket>/*]',
      reason:
        'The datasets function reads whatever files appear in the one source bucket it is given; their keys are not known in advance.',
    })

    new events.Rule(this, 'FxDaily', {
      description: 'Fetches the FX rates daily after the ECB publishes (around 16:00 CET)',
      schedule: events.Schedule.expression('cron(30 16 * * ? *)'),
      // Daily, 5-minute timeout: two runs cannot overlap, so no queue is needed.
      targets: [
        new targets.LambdaFunction(fx.fn, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    })
    // Every DatasetsEveryMinutes with a 10-minute timeout: runs could overlap, so they queue instead.
    new SerialTrigger(this, 'DatasetsTrigger', {
      function: datasets,
      deadLetterQueue: props.stageDeadLetterQueue,
      undeliveredEvents: props.deadLetterQueue,
      wakes: [
        {
          id: 'DatasetsSchedule',
          description: 'Picks up new JSON dataset files every DatasetsEveryMinutes minutes',
          schedule: everyMinutes(parameters.datasetsEveryMinutes),
        },
      ],
    })

    for (const f of [fx, datasets]) monitoring.addFunctionAlarms(f.stage, f)
    monitoring.addAlarm('FxNoSuccessfulRun', 'fx: no FX run has loaded rates for a day (provider down?)', {
      metric: metric(STREAM_METRICS.fxSucceeded, 'Sum', Duration.hours(1)),
      threshold: 1,
      evaluationPeriods: 25,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      // The first scheduled run comes within 24 hours of a deploy: until then no data is not a failure.
      warmUpMinutes: 25 * 60,
    })
    monitoring.addAlarm(
      'FxQuarantined',
      'fx: provider answers were held in quarantine (ext/fx/_quarantine/)',
      {
        metric: metric(STREAM_METRICS.fxQuarantined, 'Sum', Duration.hours(1)),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    )
    monitoring.addAlarm(
      'DatasetsQuarantined',
      'datasets: files or records were held in quarantine (ext/datasets/<name>/_quarantine/)',
      {
        metric: metric(STREAM_METRICS.datasetQuarantined, 'Sum', Duration.minutes(15)),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    )
  }
}
