/** Reads the app's CDK context into stack props, with clear errors for a half-given network. */
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import type { EtlStackProps } from './etl-stack.ts'

const list = (value: unknown): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : Array.isArray(value)
      ? value.map(String)
      : []

/** The stack name and props a context describes. */
export function appProps(context: (key: string) => unknown): { stackName: string; props: EtlStackProps } {
  const stackName = String(context('stackName') ?? 'TotesysEtl')
  // CloudFormation's rule; the Glue database, alarms and secrets are named after it.
  if (!/^[A-Za-z][A-Za-z0-9-]{0,99}$/.test(stackName)) {
    throw new Error(
      `stackName must start with a letter and hold only letters, digits and hyphens (at most 100); got '${stackName}'`,
    )
  }
  const vpcId = context('vpcId')
  const subnetIds = list(context('subnetIds'))
  const securityGroupIds = list(context('securityGroupIds'))
  if (
    (vpcId || subnetIds.length || securityGroupIds.length) &&
    !(vpcId && subnetIds.length && securityGroupIds.length)
  ) {
    throw new Error('a VPC needs all of the context values vpcId, subnetIds and securityGroupIds')
  }
  const days = Number(context('logRetentionDays') ?? 30)
  if (!Object.values(logs.RetentionDays).includes(days)) {
    throw new Error(
      `logRetentionDays must be one of CloudWatch's retention periods (1, 3, 5, 7, 14, 30, 60, 90, …); got ${days}`,
    )
  }
  const sandbox = String(context('sandbox') ?? 'false') === 'true'
  const duckdb = String(context('duckdbArchitecture') ?? 'arm64')
  if (duckdb !== 'arm64' && duckdb !== 'x86_64') {
    throw new Error(`duckdbArchitecture must be arm64 (Graviton, the default) or x86_64; got '${duckdb}'`)
  }
  return {
    stackName,
    props: {
      stackName,
      description: 'totesys-etl: incremental ETL from totesys to an S3 lake and a star-schema warehouse',
      destroyDataWithStack: sandbox,
      logRetention: days as logs.RetentionDays,
      duckdbArchitecture: duckdb === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      ...(vpcId ? { network: { vpcId: String(vpcId), subnetIds, securityGroupIds } } : {}),
    },
  }
}
