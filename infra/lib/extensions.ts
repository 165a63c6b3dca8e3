/**
 * The three extensions in AWS, each a function built like the stages (own role, own log group, retries
 * into the dead-letter queue, logged-error metric) with the same four alarms, plus their own:
 * - api: the payments API behind a Lambda function URL (IAM auth), reading only the warehouse secret;
 * - fx: daily FX rates on a schedule after the ECB publishes; alarms when no run succeeded for a day,
 *   and when answers were held in quarantine;
 * - datasets: the JSON datasets of DatasetsConfig picked up on a schedule from DatasetsSourceBucket;
 *   alarms when files or records were held in quarantine.
 * Each writes only its own prefix of the lake (`ext/fx/`, `ext/datasets/`).
 */
import {
  Aws,
  CfnCondition,
  CfnOutput,
  type CfnParameter,
  Duration,
  Fn,
  Stack,
  Validations,
} from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import type * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as events from 'aws-cdk-lib/aws-events'
import * as targets from 'aws-cdk-lib/aws-events-targets'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import type * as logs from 'aws-cdk-lib/aws-logs'
import type * as s3 from 'aws-cdk-lib/aws-s3'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../../src/core/metric-names.ts'
import { EXTENSION_METRICS } from '../../src/extensions/extension-metrics.ts'
import type { Monitoring } from './monitoring.ts'
import { type ExtensionFunctionName, StageFunction } from './stage-function.ts'

export interface ExtensionsProps {
  readonly ingestion: s3.Bucket
  readonly processed: s3.Bucket
  /** The warehouse secret's ARN (the stack's WarehouseDbSecretArn parameter). */
  readonly warehouseSecretArn: string
  readonly deadLetterQueue: sqs.IQueue
  readonly logRetention: logs.RetentionDays
  readonly monitoring: Monitoring
  readonly network?: {
    readonly vpc: ec2.IVpc
    readonly subnets: ec2.ISubnet[]
    readonly securityGroups: ec2.ISecurityGroup[]
  }
  /** DATASETS, as JSON. */
  readonly datasetsConfig: CfnParameter
  /** The bucket the datasets' files appear in; empty = none. */
  readonly datasetsSourceBucket: CfnParameter
  readonly datasetsEveryMinutes: CfnParameter
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
  readonly functions: Record<ExtensionFunctionName, StageFunction>
  readonly apiUrl: lambda.FunctionUrl

  constructor(scope: Construct, id: string, props: ExtensionsProps) {
    super(scope, id)
    const { ingestion, processed, monitoring } = props
    const common = { deadLetterQueue: props.deadLetterQueue, logRetention: props.logRetention }
    const stores = {
      INGESTION_STORE: `s3://${ingestion.bucketName}`,
      PROCESSED_STORE: `s3://${processed.bucketName}`,
    }
    const vpc = props.network ? { vpc: props.network } : {}
    const warehouseSecret = secretsmanager.Secret.fromSecretCompleteArn(
      this,
      'WarehouseDbSecret',
      props.warehouseSecretArn,
    )

    const api = new StageFunction(this, 'Api', {
      ...common,
      stage: 'api',
      description: 'totesys-etl: the payments API (last5, next5) over the warehouse',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(30),
      duckdb: false,
      environment: { WAREHOUSE_DB_SECRET_ARN: warehouseSecret.secretArn },
      ...vpc,
    })
    const fx = new StageFunction(this, 'Fx', {
      ...common,
      stage: 'fx',
      description: 'totesys-etl: daily FX rates from the ECB (Frankfurter) into fact_fx_rate',
      architecture: lambda.Architecture.X86_64,
      memorySize: 1024,
      timeout: Duration.minutes(5),
      duckdb: true,
      environment: { ...stores, WAREHOUSE_DB_SECRET_ARN: warehouseSecret.secretArn, FX_DAYS: '4' },
      ...vpc,
    })
    const datasets = new StageFunction(this, 'Datasets', {
      ...common,
      stage: 'datasets',
      description: 'totesys-etl: new JSON dataset files from the source bucket into their tables',
      architecture: lambda.Architecture.X86_64,
      memorySize: 2048,
      timeout: Duration.minutes(10),
      duckdb: true,
      environment: {
        ...stores,
        WAREHOUSE_DB_SECRET_ARN: warehouseSecret.secretArn,
        DATASETS: props.datasetsConfig.valueAsString,
      },
      ...vpc,
    })
    this.functions = { api, fx, datasets }

    // Least privilege: the API reads the warehouse secret and nothing else; fx and datasets their own prefix.
    for (const f of [api, fx, datasets]) warehouseSecret.grantRead(f.fn)
    for (const [f, prefix] of [
      [fx, EXTENSION_PREFIXES.fx],
      [datasets, EXTENSION_PREFIXES.datasets],
    ] as const) {
      // Read-write includes delete: a run that loses the commit race removes its own files.
      for (const bucket of [ingestion, processed]) bucket.grantReadWrite(f.fn, `${prefix}*`)
    }
    const hasSource = new CfnCondition(this, 'HasDatasetsSource', {
      expression: Fn.conditionNot(Fn.conditionEquals(props.datasetsSourceBucket.valueAsString, '')),
    })
    const sourceArn = `arn:${Aws.PARTITION}:s3:::${props.datasetsSourceBucket.valueAsString}`
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
    const objects = (bucket: s3.Bucket, pattern: string) =>
      `Resource::<${Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${pattern}`
    for (const [f, prefix] of [
      [fx, EXTENSION_PREFIXES.fx],
      [datasets, EXTENSION_PREFIXES.datasets],
    ] as const) {
      const findings = [
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        'Action::s3:Abort*',
        'Action::s3:DeleteObject*',
        objects(ingestion, `${prefix}*`),
        objects(processed, `${prefix}*`),
      ]
      for (const finding of findings) {
        Validations.of(f.role).acknowledge({
          id: `AwsSolutions-IAM5[${finding}]`,
          reason: finding.startsWith('Action::')
            ? 'The grouped S3 read, abort-upload and delete-own-files actions of the CDK grants, limited to this extension prefix.'
            : 'Batch files get keys made at run time under the extension prefix, so objects are granted by that prefix only.',
        })
      }
    }

    // The payments API: a function URL, signed requests only (IAM), so only granted principals can call it.
    this.apiUrl = api.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM })

    const target = (f: StageFunction) =>
      new targets.LambdaFunction(f.fn, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      })
    new events.Rule(this, 'FxDaily', {
      description: 'Fetches the FX rates daily after the ECB publishes (around 16:00 CET)',
      schedule: events.Schedule.expression('cron(30 16 * * ? *)'),
      targets: [target(fx)],
    })
    new events.Rule(this, 'DatasetsSchedule', {
      description: 'Picks up new JSON dataset files every DatasetsEveryMinutes minutes',
      schedule: events.Schedule.expression(`cron(0/${props.datasetsEveryMinutes.valueAsString} * * * ? *)`),
      targets: [target(datasets)],
    })

    for (const [name, f] of Object.entries(this.functions) as [ExtensionFunctionName, StageFunction][]) {
      monitoring.addFunctionAlarms(name, f)
    }
    monitoring.addAlarm(
      'ApiServerErrors',
      'api: the payments API answered 5xx (warehouse down or a defect)',
      {
        metric: api.fn.metric('Url5xxCount', { period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    )
    monitoring.addAlarm('FxNoSuccessfulRun', 'fx: no FX run has loaded rates for a day (provider down?)', {
      metric: metric(EXTENSION_METRICS.fxSucceeded, 'Sum', Duration.hours(1)),
      threshold: 1,
      evaluationPeriods: 25,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    })
    monitoring.addAlarm(
      'FxQuarantined',
      'fx: provider answers were held in quarantine (ext/fx/_quarantine/)',
      {
        metric: metric(EXTENSION_METRICS.fxQuarantined, 'Sum', Duration.hours(1)),
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
        metric: metric(EXTENSION_METRICS.datasetQuarantined, 'Sum', Duration.minutes(15)),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    )

    new CfnOutput(this, 'ApiUrl', {
      value: this.apiUrl.url,
      description: 'The payments API (IAM-signed requests)',
    })
  }
}
