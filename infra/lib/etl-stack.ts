/**
 * The totesys ETL in AWS: the two stores, the three stage functions and what wakes them (a schedule for
 * the extract; the ingestion manifest for the transform; the processed manifest and a safety schedule for
 * the load), retries into a dead-letter queue, the database secrets (created by scripts/deploy.mjs, passed
 * in by ARN), the Glue catalogue, alarms to email, a dashboard. Tuning lives in CloudFormation parameters
 * so a deploy can change it without code; the network (a VPC for the databases) is CDK context.
 */
import { CfnOutput, CfnParameter, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as events from 'aws-cdk-lib/aws-events'
import * as targets from 'aws-cdk-lib/aws-events-targets'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import type * as s3 from 'aws-cdk-lib/aws-s3'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import type { Construct } from 'constructs'
import { PURCHASE_FACT_TABLES } from '../../src/config.ts'
import { MANIFEST_PREFIX } from '../../src/core/batch-id.ts'
import { DataLake } from './data-lake.ts'
import { Extensions } from './extensions.ts'
import { Monitoring } from './monitoring.ts'
import { StageFunction, type StageName } from './stage-function.ts'

/** Databases inside a VPC: the extract and load functions join these subnets and security groups. */
export interface NetworkSettings {
  readonly vpcId: string
  readonly subnetIds: readonly string[]
  readonly securityGroupIds: readonly string[]
}

export interface EtlStackProps extends StackProps {
  readonly network?: NetworkSettings
  /** Sandboxes: the buckets are emptied and deleted with the stack. */
  readonly destroyDataWithStack?: boolean
  readonly logRetention?: logs.RetentionDays
}

export class EtlStack extends Stack {
  readonly lake: DataLake
  readonly functions: Record<StageName, StageFunction>
  readonly monitoring: Monitoring
  /** The weekly sweep of orphan data files (see docs/OPERATIONS.md, "Orphan files"). */
  readonly sweep: StageFunction
  readonly deadLetterQueue: sqs.Queue
  /** The payments API, the FX job and the JSON datasets (infra/lib/extensions.ts). */
  readonly extensions: Extensions

  constructor(scope: Construct, id: string, props: EtlStackProps = {}) {
    super(scope, id, props)
    const param = (name: string, options: ConstructorParameters<typeof CfnParameter>[2]) =>
      new CfnParameter(this, name, options)
    const alertEmail = param('AlertEmail', {
      type: 'String',
      default: '',
      description: 'Email address that receives the alarms (confirm the subscription mail); empty for none',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+$',
    })
    const totesysSecretArn = param('TotesysDbSecretArn', {
      type: 'String',
      description:
        'ARN of the Secrets Manager secret with the source database URL (scripts/deploy.mjs creates it)',
      allowedPattern: '^arn:aws[a-z-]*:secretsmanager:.+',
    })
    const warehouseSecretArn = param('WarehouseDbSecretArn', {
      type: 'String',
      description:
        'ARN of the Secrets Manager secret with the warehouse database URL (scripts/deploy.mjs creates it)',
      allowedPattern: '^arn:aws[a-z-]*:secretsmanager:.+',
    })
    const extractEvery = param('ExtractEveryMinutes', {
      type: 'Number',
      default: 1,
      minValue: 1,
      maxValue: 59,
      description: 'Minutes between scheduled extracts',
    })
    const loadEvery = param('LoadSafetyEveryMinutes', {
      type: 'Number',
      default: 5,
      minValue: 1,
      maxValue: 59,
      description: 'Minutes between safety-net loads (the load also runs on every processed manifest)',
    })
    const extractLag = param('ExtractLag', {
      type: 'String',
      default: '2m',
      allowedPattern: '^\\d+(ms|s|m|h)$',
      description: 'How far back each extract re-reads for rows committed late (EXTRACT_LAG)',
    })
    const purchaseFactTable = param('PurchaseFactTable', {
      type: 'String',
      default: PURCHASE_FACT_TABLES[0],
      allowedValues: [...PURCHASE_FACT_TABLES],
      description: "The warehouse's name for the purchase fact table",
    })
    const freshnessThreshold = param('FreshnessThresholdSeconds', {
      type: 'Number',
      default: 600,
      minValue: 60,
      description: 'Alarm when the warehouse lags extracted changes by more than this',
    })
    const noExtractMinutes = param('NoExtractAlarmMinutes', {
      type: 'Number',
      default: 10,
      minValue: 2,
      maxValue: 1440,
      description: 'Alarm when no extract has succeeded for this many minutes',
    })

    const datasetsConfig = param('DatasetsConfig', {
      type: 'String',
      default: '',
      description:
        'DATASETS: the JSON datasets to pick up, as JSON (docs/OPERATIONS.md, JSON datasets); empty for none',
    })
    const datasetsSourceBucket = param('DatasetsSourceBucket', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      description: "The bucket the datasets' files appear in (read-only access is granted); empty for none",
    })
    const datasetsEvery = param('DatasetsEveryMinutes', {
      type: 'Number',
      default: 15,
      minValue: 1,
      maxValue: 59,
      description: 'Minutes between dataset pickups',
    })

    this.lake = new DataLake(this, 'Lake', { destroyWithStack: props.destroyDataWithStack ?? false })
    const { ingestion, processed } = this.lake

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    })
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the stage functions and event rules.',
    })

    const network = props.network ? this.importNetwork(props.network) : undefined
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH
    const common = { deadLetterQueue: this.deadLetterQueue, logRetention }
    const stores = {
      INGESTION_STORE: `s3://${ingestion.bucketName}`,
      PROCESSED_STORE: `s3://${processed.bucketName}`,
    }
    const extract = new StageFunction(this, 'Extract', {
      ...common,
      stage: 'extract',
      description: 'totesys-etl: one incremental extract from totesys into the ingestion bucket',
      // No native module: Graviton is cheaper.
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.minutes(5),
      duckdb: false,
      environment: {
        ...stores,
        TOTESYS_DB_SECRET_ARN: totesysSecretArn.valueAsString,
        EXTRACT_LAG: extractLag.valueAsString,
      },
      ...(network ? { vpc: network } : {}),
    })
    const transform = new StageFunction(this, 'Transform', {
      ...common,
      stage: 'transform',
      description: 'totesys-etl: every pending ingestion batch into parquet in the processed bucket',
      // DuckDB ships a native x86_64 binary.
      architecture: lambda.Architecture.X86_64,
      memorySize: 2048,
      timeout: Duration.minutes(10),
      duckdb: true,
      environment: { ...stores },
    })
    const load = new StageFunction(this, 'Load', {
      ...common,
      stage: 'load',
      description: 'totesys-etl: every pending processed batch into the warehouse, exactly once',
      architecture: lambda.Architecture.X86_64,
      memorySize: 1536,
      timeout: Duration.minutes(10),
      duckdb: true,
      environment: {
        ...stores,
        WAREHOUSE_DB_SECRET_ARN: warehouseSecretArn.valueAsString,
        PURCHASE_FACT_TABLE: purchaseFactTable.valueAsString,
      },
      ...(network ? { vpc: network } : {}),
    })
    this.functions = { extract, transform, load }

    // Least privilege: each function gets exactly the objects its stage touches.
    ingestion.grantReadWrite(extract.fn)
    ingestion.grantDelete(extract.fn) // a run that loses the commit race removes its own files
    ingestion.grantRead(transform.fn)
    ingestion.grantPut(transform.fn, '_quarantine/*')
    ingestion.grantPut(transform.fn, '_schemas/*')
    processed.grantReadWrite(transform.fn)
    processed.grantDelete(transform.fn)
    processed.grantRead(load.fn)
    // Freshness reads the next ingestion manifest; listing lets a missing one read as 404, not 403.
    ingestion.grantRead(load.fn, `${MANIFEST_PREFIX}*`)
    secretsmanager.Secret.fromSecretCompleteArn(
      this,
      'TotesysDbSecret',
      totesysSecretArn.valueAsString,
    ).grantRead(extract.fn)
    secretsmanager.Secret.fromSecretCompleteArn(
      this,
      'WarehouseDbSecret',
      warehouseSecretArn.valueAsString,
    ).grantRead(load.fn)
    const objects = (bucket: s3.Bucket, pattern: string) =>
      `Resource::<${this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${pattern}`
    const read = ['Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*']
    const write = [...read, 'Action::s3:Abort*', 'Action::s3:DeleteObject*']
    const findings: [StageFunction, string[]][] = [
      [extract, [...write, objects(ingestion, '*')]],
      [
        transform,
        [
          ...write,
          objects(ingestion, '*'),
          objects(ingestion, '_quarantine/*'),
          objects(ingestion, '_schemas/*'),
          objects(processed, '*'),
        ],
      ],
      [load, [...read, objects(processed, '*'), objects(ingestion, `${MANIFEST_PREFIX}*`)]],
    ]
    for (const [f, ids] of findings) {
      for (const finding of ids) {
        Validations.of(f.role).acknowledge({
          id: `AwsSolutions-IAM5[${finding}]`,
          reason: finding.startsWith('Action::')
            ? 'The grouped S3 object/bucket read (and, for writers, abort-upload and delete-own-files) actions of the CDK grants; each is limited to the pipeline buckets below.'
            : 'Batch files get keys made at run time (<table>/year=/month=/day=/<batch>-<attempt>, _manifests/<batch>.json), so objects are granted by prefix within one pipeline bucket.',
        })
      }
    }
    // The secret ARNs are not secrets (they name the secrets); masking them would hide which secret is used.
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W2509',
      reason: 'TotesysDbSecretArn and WarehouseDbSecretArn hold ARNs, not passwords.',
    })

    const rate = (minutes: CfnParameter) =>
      events.Schedule.expression(`cron(0/${minutes.valueAsString} * * * ? *)`)
    const target = (f: StageFunction) =>
      new targets.LambdaFunction(f.fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      })
    new events.Rule(this, 'ExtractSchedule', {
      description: 'Wakes the extract every ExtractEveryMinutes minutes',
      schedule: rate(extractEvery),
      targets: [target(extract)],
    })
    const manifestCreated = (bucketName: string): events.EventPattern => ({
      source: ['aws.s3'],
      detailType: ['Object Created'],
      detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: MANIFEST_PREFIX }] } },
    })
    new events.Rule(this, 'IngestionManifestCreated', {
      description: 'Wakes the transform when an ingestion batch commits (its manifest lands)',
      eventPattern: manifestCreated(ingestion.bucketName),
      targets: [target(transform)],
    })
    new events.Rule(this, 'ProcessedManifestCreated', {
      description: 'Wakes the load when a processed batch commits (its manifest lands)',
      eventPattern: manifestCreated(processed.bucketName),
      targets: [target(load)],
    })
    new events.Rule(this, 'LoadSafetySchedule', {
      description: 'Wakes the load every LoadSafetyEveryMinutes minutes, in case an event was missed',
      schedule: rate(loadEvery),
      targets: [target(load)],
    })

    // Maintenance: a weekly sweep deletes data files that only a crashed or losing attempt wrote. It reads
    // manifests and deletes; it never writes an object.
    const sweep = new StageFunction(this, 'Sweep', {
      ...common,
      stage: 'sweep',
      description: 'totesys-etl: weekly deletion of orphan data files that no committed manifest names',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.minutes(10),
      duckdb: false,
      environment: { ...stores },
    })
    for (const bucket of [ingestion, processed]) {
      bucket.grantRead(sweep.fn)
      bucket.grantDelete(sweep.fn)
    }
    for (const finding of [
      ...read,
      'Action::s3:DeleteObject*',
      objects(ingestion, '*'),
      objects(processed, '*'),
    ]) {
      Validations.of(sweep.role).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: finding.startsWith('Action::')
          ? 'The grouped S3 read and delete actions of the CDK grants, limited to the two pipeline buckets.'
          : 'Orphan files have keys made at run time (<table>/year=/month=/day=/<batch>-<attempt>), so objects are granted by bucket.',
      })
    }
    new events.Rule(this, 'SweepWeekly', {
      description: 'Wakes the sweep of orphan data files every Sunday at 03:00 UTC',
      schedule: events.Schedule.expression('cron(0 3 ? * SUN *)'),
      targets: [target(sweep)],
    })
    this.sweep = sweep

    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: this.functions,
      deadLetterQueue: this.deadLetterQueue,
      freshnessThresholdSeconds: freshnessThreshold.valueAsNumber,
      noExtractMinutes: noExtractMinutes.valueAsNumber,
      alertEmail: alertEmail.valueAsString,
    })

    this.monitoring.addFunctionAlarms('sweep', sweep)

    this.extensions = new Extensions(this, 'Extensions', {
      ingestion,
      processed,
      warehouseSecretArn: warehouseSecretArn.valueAsString,
      deadLetterQueue: this.deadLetterQueue,
      logRetention,
      monitoring: this.monitoring,
      datasetsConfig,
      datasetsSourceBucket,
      datasetsEveryMinutes: datasetsEvery,
      ...(network ? { network } : {}),
    })

    new CfnOutput(this, 'IngestionBucketName', { value: ingestion.bucketName })
    new CfnOutput(this, 'ProcessedBucketName', { value: processed.bucketName })
    new CfnOutput(this, 'AlertTopicArn', { value: this.monitoring.topic.topicArn })
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl })
    new CfnOutput(this, 'GlueDatabaseName', { value: this.lake.database.ref })
    for (const [stage, f] of Object.entries({ ...this.functions, sweep })) {
      new CfnOutput(this, `${stage[0]!.toUpperCase()}${stage.slice(1)}FunctionName`, {
        value: f.fn.functionName,
      })
    }
  }

  private importNetwork(network: NetworkSettings) {
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: network.vpcId,
      availabilityZones: network.subnetIds.map((_, i) => `az-${i}`),
      privateSubnetIds: [...network.subnetIds],
    })
    const subnets = network.subnetIds.map((id) => ec2.Subnet.fromSubnetId(this, `Subnet-${id}`, id))
    const securityGroups = network.securityGroupIds.map((id) =>
      ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup-${id}`, id),
    )
    return { vpc, subnets, securityGroups }
  }
}
