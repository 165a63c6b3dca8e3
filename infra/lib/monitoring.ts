/**
 * Alarms, the alert topic and the dashboard. Every alarm notifies the SNS topic (KMS-encrypted, TLS
 * only), which mails the address given at deploy time. A topic policy replaces the topic's default one,
 * so it says who may publish: CloudWatch, for this stack's alarms only (their names start with the stack
 * name); the key policy lets CloudWatch use the key. docs/DEPLOY.md says what each alarm means and what to do.
 */
import { Aws, CfnCondition, Duration, Fn, Stack } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as kms from 'aws-cdk-lib/aws-kms'
import * as sns from 'aws-cdk-lib/aws-sns'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import {
  METRIC_NAMES,
  METRIC_NAMESPACE,
  METRIC_SERVICE,
  type MetricName,
} from '../../src/core/metric-names.ts'
import {
  type FunctionName,
  loggedErrorsMetricName,
  type StageFunction,
  type StageName,
} from './stage-function.ts'

export interface MonitoringProps {
  readonly functions: Record<StageName, StageFunction>
  /** Events no function took: failed async invocations, events EventBridge could not deliver. */
  readonly deadLetterQueue: sqs.Queue
  /** Messages of the serial (FIFO) triggers that failed every receipt. */
  readonly stageDeadLetterQueue: sqs.Queue
  /** Seconds; alarms when the freshness lag is over it. */
  readonly freshnessThresholdSeconds: number
  /** Minutes without a successful extract before the alarm. */
  readonly noExtractMinutes: number
  /** Email address for alerts; empty = no subscription. */
  readonly alertEmail: string
}

/** A custom metric as the handlers emit it (namespace and `service` dimension from src/core/metric-names.ts). */
export function pipelineMetric(
  name: MetricName,
  statistic: string,
  period = Duration.minutes(5),
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRIC_SERVICE },
    statistic,
    period,
  })
}

/** Options of an alarm: CloudWatch's, plus minutes after its creation during which it does not evaluate. */
export type AlarmOptions = cloudwatch.CreateAlarmOptions & {
  readonly metric: cloudwatch.Metric
  /** A warm-up: the alarm stays INSUFFICIENT_DATA, without actions, until data fills its window or this passes. */
  readonly warmUpMinutes?: number
}

/** The ARN pattern of this stack's alarms: every alarm is named `<stack>-<id>`. */
export function alarmArnPattern(stack: Stack): string {
  return `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${stack.stackName}-*`
}

export class Monitoring extends Construct {
  readonly topic: sns.Topic
  readonly key: kms.Key
  readonly alarms: cloudwatch.Alarm[] = []
  readonly dashboard: cloudwatch.Dashboard

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id)
    // A customer managed key: CloudWatch may publish to an encrypted topic only with a key it is allowed to use.
    this.key = new kms.Key(this, 'AlertsKey', {
      enableKeyRotation: true,
      description: 'totesys-etl alert topic encryption',
    })
    const key = this.key
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    )
    this.topic = new sns.Topic(this, 'Alerts', {
      displayName: 'totesys-etl alerts',
      masterKey: key,
      enforceSSL: true,
    })
    // The policy replaces the default one: without this statement no alarm could publish.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': alarmArnPattern(Stack.of(this)) },
        },
      }),
    )
    const hasEmail = new CfnCondition(this, 'HasAlertEmail', {
      expression: Fn.conditionNot(Fn.conditionEquals(props.alertEmail, '')),
    })
    const subscription = new sns.CfnSubscription(this, 'AlertEmail', {
      topicArn: this.topic.topicArn,
      protocol: 'email',
      endpoint: props.alertEmail,
    })
    subscription.cfnOptions.condition = hasEmail

    const alarm = this.addAlarm.bind(this)

    for (const [stage, f] of Object.entries(props.functions) as [StageName, StageFunction][]) {
      this.addFunctionAlarms(stage, f)
    }
    alarm('FreshnessLag', 'The warehouse lags the extracted changes by more than the threshold', {
      metric: pipelineMetric(METRIC_NAMES.freshnessLagSeconds, 'Maximum'),
      threshold: props.freshnessThresholdSeconds,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No datapoint for 10 minutes means the load is not running at all: that is stale too.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      // A new stack has no data yet: wait for the first loads instead of mailing an alarm at once.
      warmUpMinutes: 30,
    })
    alarm('NoSuccessfulExtract', 'No extract has read every table for the configured number of minutes', {
      metric: pipelineMetric(METRIC_NAMES.extractSucceeded, 'Sum', Duration.minutes(1)),
      threshold: 1,
      evaluationPeriods: props.noExtractMinutes,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      warmUpMinutes: 30,
    })
    alarm('QuarantinedRows', 'The transform held rows back in quarantine: inspect and replay them', {
      metric: pipelineMetric(METRIC_NAMES.quarantinedRows, 'Sum'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    })
    alarm('DeadLetters', 'Events that failed every retry are waiting in the dead-letter queue', {
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    })
    alarm(
      'StageDeadLetters',
      'Stage runs that failed every retry: their wake-up events wait in the FIFO dead-letter queue',
      {
        metric: props.stageDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    )

    const fns = Object.entries(props.functions) as [StageName, StageFunction][]
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-pipeline`,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Freshness lag (s)',
            left: [pipelineMetric(METRIC_NAMES.freshnessLagSeconds, 'Maximum', Duration.minutes(1))],
            leftAnnotations: [{ value: props.freshnessThresholdSeconds, label: 'alarm threshold' }],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Rows and batches',
            left: [
              pipelineMetric(METRIC_NAMES.extractedRows, 'Sum'),
              pipelineMetric(METRIC_NAMES.quarantinedRows, 'Sum'),
            ],
            right: [
              pipelineMetric(METRIC_NAMES.transformedBatches, 'Sum'),
              pipelineMetric(METRIC_NAMES.loadedBatches, 'Sum'),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Duration (ms, max)',
            left: fns.map(([stage, f]) => f.fn.metricDuration({ statistic: 'Maximum', label: stage })),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Errors and throttles',
            left: fns.map(([stage, f]) => f.fn.metricErrors({ statistic: 'Sum', label: `${stage} errors` })),
            right: fns.map(([stage, f]) =>
              f.fn.metricThrottles({ statistic: 'Sum', label: `${stage} throttles` }),
            ),
            width: 12,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    })
  }

  /** An alarm named `<stack>-<id>` that notifies the topic when it fires and when it clears. */
  addAlarm(id: string, description: string, options: AlarmOptions): cloudwatch.Alarm {
    const { warmUpMinutes, ...alarmOptions } = options
    const made = options.metric.createAlarm(this, id, {
      alarmName: `${Stack.of(this).stackName}-${id}`,
      alarmDescription: description,
      ...alarmOptions,
    })
    if (warmUpMinutes !== undefined) {
      ;(made.node.defaultChild as cloudwatch.CfnAlarm).warmUpConfiguration = {
        warmUpPeriodDurationInMinutes: warmUpMinutes,
      }
    }
    made.addAlarmAction(new actions.SnsAction(this.topic))
    made.addOkAction(new actions.SnsAction(this.topic))
    this.alarms.push(made)
    return made
  }

  /** A function's four alarms: failed and throttled invocations, a run near its timeout, logged errors. */
  addFunctionAlarms(stage: FunctionName, f: StageFunction): void {
    const alarm = this.addAlarm.bind(this)
    const fn = f.fn
    const title = stage[0]!.toUpperCase() + stage.slice(1)
    alarm(`${title}Errors`, `${stage}: invocations failed (they retry, then go to the dead-letter queue)`, {
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    })
    alarm(`${title}Throttles`, `${stage}: invocations throttled (account or reserved concurrency)`, {
      metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    })
    const timeoutMs = fn.timeout?.toMilliseconds() ?? 3000
    alarm(
      `${title}DurationNearTimeout`,
      `${stage}: a run took over 80% of its ${timeoutMs / 1000} s timeout`,
      {
        metric: fn.metricDuration({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: Math.round(timeoutMs * 0.8),
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    )
    alarm(
      `${title}LoggedErrors`,
      `${stage}: logged an ERROR or CRITICAL line (an incident, a failed table)`,
      {
        metric: new cloudwatch.Metric({
          namespace: METRIC_NAMESPACE,
          metricName: loggedErrorsMetricName(stage),
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    )
  }
}
