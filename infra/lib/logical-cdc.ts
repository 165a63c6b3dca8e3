/**
 * Logical mode (EXTRACT_MODE=logical) in AWS, added when the app's context says `extractMode=logical`:
 * the extract Lambda's scheduled pulls read the source's replication slot through PostgreSQL's SQL
 * interface (no long-lived replication connection, so a Lambda serves), and an alarm fires when the slot
 * retains more WAL than allowed (the extract emits RetainedWalBytes on every run).
 *
 * The source RDS instance is not in this stack: logical decoding needs its parameter group to set
 * `rds.logical_replication = 1` (a reboot), and the pipeline's role `GRANT rds_replication` plus ownership
 * of the 11 tables (or an existing publication). A parameter group with that setting is made here for
 * the operator to attach (docs/DEPLOY.md, "Logical CDC").
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import type * as iam from 'aws-cdk-lib/aws-iam'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import * as rds from 'aws-cdk-lib/aws-rds'
import type * as s3 from 'aws-cdk-lib/aws-s3'
import { Construct } from 'constructs'
import { METRIC_NAMES } from '../../src/core/metric-names.ts'
import { grantObjectAccess } from './lake-access.ts'
import { type AlarmOptions, pipelineMetric } from './monitoring.ts'

export interface LogicalCdcProps {
  readonly extract: { readonly fn: lambda.Function; readonly role: iam.Role }
  readonly load: { readonly role: iam.Role }
  readonly ingestion: s3.IBucket
  /** The monitoring construct's alarm maker (alarm and OK actions to the alert topic). */
  readonly addAlarm: (id: string, description: string, options: AlarmOptions) => cloudwatch.Alarm
  /** The slot and publication names (CDC_SLOT, CDC_PUBLICATION). */
  readonly slot?: string
  /** Retained WAL that fires the alarm (and the extract's own alert: CDC_WAL_ALERT). */
  readonly retainedWalAlertBytes?: number
  /** The source's engine family, for the parameter group. */
  readonly postgresVersion?: rds.PostgresEngineVersion
}

export const DEFAULT_RETAINED_WAL_ALERT_BYTES = 1024 ** 3

export class LogicalCdc extends Construct {
  readonly retainedWalAlarm: cloudwatch.Alarm
  /** `rds.logical_replication = 1`: attach it to the source instance (and reboot) before the first run. */
  readonly sourceParameterGroup: rds.ParameterGroup

  constructor(scope: Construct, id: string, props: LogicalCdcProps) {
    super(scope, id)
    const slot = props.slot ?? 'totesys_etl'
    const alertBytes = props.retainedWalAlertBytes ?? DEFAULT_RETAINED_WAL_ALERT_BYTES
    props.extract.fn.addEnvironment('EXTRACT_MODE', 'logical')
    props.extract.fn.addEnvironment('CDC_SLOT', slot)
    props.extract.fn.addEnvironment('CDC_PUBLICATION', slot)
    props.extract.fn.addEnvironment('CDC_WAL_ALERT', String(alertBytes))
    // Tombstones: the extract writes them (and deletes a losing attempt's); the load records them.
    grantObjectAccess(props.extract.role, props.ingestion, { write: ['_deletes/*'], delete: ['_deletes/*'] })
    grantObjectAccess(props.load.role, props.ingestion, { read: ['_deletes/*'] })
    this.retainedWalAlarm = props.addAlarm(
      'RetainedWal',
      `The replication slot ${slot} retains more than ${alertBytes} bytes of WAL on the source: the extract is failing or behind, and the source's disk fills. Fix the extract, or drop the slot (totesys-etl cdc drop-slot --yes; the next run resynchronises).`,
      {
        metric: pipelineMetric(METRIC_NAMES.retainedWalBytes, 'Maximum'),
        threshold: alertBytes,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No data is no extract: the extract's own alarms say so; the slot may still grow.
        // No figure means the extract is not running, and the slot then only grows: breaching, after
        // the stack's usual warm-up so a first deploy does not alarm before the first pull.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        warmUpMinutes: 30,
      },
    )
    this.sourceParameterGroup = new rds.ParameterGroup(this, 'SourceParameters', {
      engine: rds.DatabaseInstanceEngine.postgres({
        version: props.postgresVersion ?? rds.PostgresEngineVersion.VER_16,
      }),
      description: 'totesys source with logical decoding for totesys-etl EXTRACT_MODE=logical',
      parameters: { 'rds.logical_replication': '1' },
    })
    // A parameter group is synthesised only when bound; the instance it is for lives outside this stack.
    this.sourceParameterGroup.bindToInstance({})
  }
}
