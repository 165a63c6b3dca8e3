/**
 * The totesys ETL in AWS, composed of one construct per concern: the parameters (tuning a deploy can change
 * without code, with rules against values that would keep an alarm in alarm), the lake (two buckets and the
 * Glue catalogue), the pipeline (three stages, each run one at a time, woken by schedules and manifests),
 * maintenance (the weekly sweep), monitoring (alarms to email, a dashboard), the FX and datasets extensions,
 * and the payments API. The database secrets are created by scripts/deploy.mjs and passed in by ARN; the
 * network (a VPC for the databases) and the DuckDB functions' architecture are CDK context.
 */
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import type { Construct } from 'constructs'
import { DataLake } from './data-lake.ts'
import { Extensions } from './extensions.ts'
import { LogicalCdc } from './logical-cdc.ts'
import { Maintenance } from './maintenance.ts'
import { Monitoring } from './monitoring.ts'
import { PaymentsApi } from './payments-api.ts'
import { Pipeline } from './pipeline.ts'
import { declareStackParameters, type StackParameters } from './stack-parameters.ts'
import type { FunctionNetwork, StageFunction, StageName } from './stage-function.ts'

/** Databases inside a VPC: the functions that dial them join these subnets and security groups. */
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
  /** The functions that ship DuckDB: arm64 (Graviton, the default) or x86_64. */
  readonly duckdbArchitecture?: lambda.Architecture
}

export class EtlStack extends Stack {
  readonly parameters: StackParameters
  readonly lake: DataLake
  readonly pipeline: Pipeline
  readonly functions: Record<StageName, StageFunction>
  readonly monitoring: Monitoring
  /** The weekly sweep of orphan data files (see docs/OPERATIONS.md, "Orphan files"). */
  readonly sweep: StageFunction
  /** Failed async invocations, and events EventBridge could not deliver. */
  readonly deadLetterQueue: sqs.Queue
  /** The serial triggers' messages that failed every receipt (FIFO, as their queues). */
  readonly stageDeadLetterQueue: sqs.Queue
  /** The FX job and the JSON datasets (infra/lib/extensions.ts). */
  readonly extensions: Extensions
  readonly paymentsApi: PaymentsApi

  constructor(scope: Construct, id: string, props: EtlStackProps = {}) {
    super(scope, id, props)
    this.parameters = declareStackParameters(this)
    const { parameters } = this
    this.lake = new DataLake(this, 'Lake', { destroyWithStack: props.destroyDataWithStack ?? false })
    const { ingestion, processed } = this.lake
    const queues = deadLetterQueues(this)
    this.deadLetterQueue = queues.deadLetterQueue
    this.stageDeadLetterQueue = queues.stageDeadLetterQueue
    // The secret ARNs are not secrets (they name the secrets); masking them would hide which secret is used.
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W2509',
      reason: 'The *DbSecretArn parameters hold ARNs, not passwords.',
    })

    const network = props.network ? { network: this.importNetwork(props.network) } : {}
    const common = {
      ingestion,
      processed,
      deadLetterQueue: this.deadLetterQueue,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    }
    const staged = {
      ...common,
      parameters,
      stageDeadLetterQueue: this.stageDeadLetterQueue,
      duckdbArchitecture: props.duckdbArchitecture ?? lambda.Architecture.ARM_64,
      ...network,
    }
    this.pipeline = new Pipeline(this, 'Pipeline', staged)
    this.functions = this.pipeline.functions
    this.sweep = new Maintenance(this, 'Maintenance', common).sweep

    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: this.functions,
      deadLetterQueue: this.deadLetterQueue,
      stageDeadLetterQueue: this.stageDeadLetterQueue,
      freshnessThresholdSeconds: parameters.freshnessThresholdSeconds.valueAsNumber,
      noExtractMinutes: parameters.noExtractAlarmMinutes.valueAsNumber,
      alertEmail: parameters.alertEmail.valueAsString,
    })
    this.monitoring.addFunctionAlarms('sweep', this.sweep)
    // Logical CDC (infra/lib/logical-cdc.ts) only when the app's context asks for it.
    if (this.node.tryGetContext('extractMode') === 'logical')
      new LogicalCdc(this, 'LogicalCdc', {
        extract: this.functions.extract,
        load: this.functions.load,
        ingestion,
        addAlarm: (id, text, options) => this.monitoring.addAlarm(id, text, options),
      })
    this.extensions = new Extensions(this, 'Extensions', { ...staged, monitoring: this.monitoring })
    this.paymentsApi = new PaymentsApi(this, 'PaymentsApi', {
      secretArn: parameters.secrets.ApiDbSecretArn.valueAsString,
      deadLetterQueue: this.deadLetterQueue,
      logRetention: common.logRetention,
      monitoring: this.monitoring,
      ...network,
    })
    this.addOutputs()
  }

  /** What scripts/deploy.mjs and an operator read back: the stores, the queues, the API, each function. */
  private addOutputs(): void {
    const outputs: Record<string, string> = {
      IngestionBucketName: this.lake.ingestion.bucketName,
      ProcessedBucketName: this.lake.processed.bucketName,
      AlertTopicArn: this.monitoring.topic.topicArn,
      DeadLetterQueueUrl: this.deadLetterQueue.queueUrl,
      StageDeadLetterQueueUrl: this.stageDeadLetterQueue.queueUrl,
      GlueDatabaseName: this.lake.databaseName,
      ApiUrl: this.paymentsApi.api.apiEndpoint,
      ApiCallerPolicyArn: this.paymentsApi.callerPolicy.managedPolicyArn,
    }
    const named = {
      ...this.functions,
      ...this.extensions.functions,
      api: this.paymentsApi.function,
      sweep: this.sweep,
    }
    for (const [stage, f] of Object.entries(named)) {
      outputs[`${stage[0]!.toUpperCase()}${stage.slice(1)}FunctionName`] = f.fn.functionName
    }
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value })
  }

  private importNetwork(network: NetworkSettings): FunctionNetwork {
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

/** The stack's two dead-letter queues (in the stack itself: their logical ids are the stack's). */
function deadLetterQueues(stack: Stack): { deadLetterQueue: sqs.Queue; stageDeadLetterQueue: sqs.Queue } {
  return {
    deadLetterQueue: new sqs.Queue(stack, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    }),
    stageDeadLetterQueue: new sqs.Queue(stack, 'StageDeadLetters', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    }),
  }
}
