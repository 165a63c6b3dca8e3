/**
 * The logical-CDC construct on its own stack (no bundling): the extract is switched to logical mode,
 * the retained-WAL alarm reads the metric the extract emits, tombstones are granted by prefix, and the
 * parameter group turns on rds.logical_replication.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { App, Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as s3 from 'aws-cdk-lib/aws-s3'
import { METRIC_NAMES, METRIC_NAMESPACE } from '../../src/core/metric-names.ts'
import { LogicalCdc } from '../lib/logical-cdc.ts'

function synth() {
  // CloudFormation Validate only warns here (errors are warnings without the validateAgainstDefaultRules
  // flag) and no assertion reads it; its engine costs ~2.5 CPU-s. The construct is validated in the
  // logical-mode stack of etl-stack.test.ts.
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Cdc')
  const role = (id: string) =>
    new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })
  const extractRole = role('ExtractRole')
  const fn = new lambda.Function(stack, 'Extract', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
    role: extractRole,
  })
  const ingestion = new s3.Bucket(stack, 'Ingestion')
  const alarms: string[] = []
  new LogicalCdc(stack, 'LogicalCdc', {
    extract: { fn, role: extractRole },
    load: { role: role('LoadRole') },
    ingestion,
    addAlarm: (id, description, options) => {
      alarms.push(id)
      return options.metric.createAlarm(stack, id, { alarmDescription: description, ...options })
    },
    retainedWalAlertBytes: 512 * 1024 ** 2,
  })
  return { template: Template.fromStack(stack), alarms }
}

describe('LogicalCdc', () => {
  const { template, alarms } = synth()

  it('switches the extract to logical mode with the slot and the WAL threshold', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EXTRACT_MODE: 'logical',
          CDC_SLOT: 'totesys_etl',
          CDC_WAL_ALERT: String(512 * 1024 ** 2),
        }),
      },
    })
  })

  it('alarms on the retained WAL the extract emits, above the threshold', () => {
    assert.deepEqual(alarms, ['RetainedWal'])
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRIC_NAMESPACE,
      MetricName: METRIC_NAMES.retainedWalBytes,
      Threshold: 512 * 1024 ** 2,
      ComparisonOperator: 'GreaterThanThreshold',
      Statistic: 'Maximum',
    })
  })

  it('grants the tombstones by prefix: extract writes and deletes, load reads', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'))
    assert.match(policies, /_deletes\/\*/)
    assert.doesNotMatch(policies, /s3:DeleteObject\*/)
  })

  it('offers the source a parameter group with rds.logical_replication on', () => {
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { 'rds.logical_replication': '1' },
    })
  })
})
