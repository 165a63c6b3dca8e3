/**
 * One function of the stack: the thin handler under src/entrypoints/lambda/ bundled by a local esbuild (no
 * Docker), its own role (its log group, X-Ray, and in a VPC its network interfaces; the stack grants the
 * rest), its own log group with retention, active tracing, async retries into the dead-letter queue, and a
 * metric filter counting the ERROR/CRITICAL lines it logs.
 */
import { fileURLToPath } from 'node:url'
import { type CfnElement, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib'
import type * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs'
import * as logs from 'aws-cdk-lib/aws-logs'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { METRIC_NAMESPACE } from '../../src/core/metric-names.ts'

/** The repository root: the bundler's project root. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The Node.js runtime's bundle of Amazon CAs (RDS included). Since Node.js 20 Lambda no longer loads it by
 * default (it slows cold starts); functions that dial a database load it, so `sslmode=verify-full`
 * (src/io/secrets.ts) can verify an RDS certificate.
 */
export const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem'

/**
 * What Lambda needs to attach a function to a VPC: AWSLambdaVPCAccessExecutionRole's EC2 actions. aws-cdk-lib
 * attaches that managed policy only to roles it creates, and every function here has its own role.
 */
export const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const

/** The DuckDB packages a bundle ships as node modules (a native binary: not bundleable), per architecture. */
export function duckdbModules(architecture: lambda.Architecture): string[] {
  const binding = architecture === lambda.Architecture.ARM_64 ? 'linux-arm64' : 'linux-x64'
  return ['@duckdb/node-api', '@duckdb/node-bindings', `@duckdb/node-bindings-${binding}`]
}

export type StageName = 'extract' | 'transform' | 'load'

/** The extension functions (infra/lib/extensions.ts), built the same way. */
export type ExtensionFunctionName = 'api' | 'fx' | 'datasets'

/** Maintenance functions: the weekly sweep of orphan data files. */
export type MaintenanceFunctionName = 'sweep'

/** Every function of the stack: src/entrypoints/lambda/<name>.ts. */
export type FunctionName = StageName | ExtensionFunctionName | MaintenanceFunctionName

/** The subnets and security groups of the databases' VPC. */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc
  readonly subnets: ec2.ISubnet[]
  readonly securityGroups: ec2.ISecurityGroup[]
}

export interface StageFunctionProps {
  readonly stage: FunctionName
  readonly description: string
  readonly architecture: lambda.Architecture
  readonly memorySize: number
  readonly timeout: Duration
  /** Ships DuckDB (transform, load, fx, datasets): the native module is copied from the local node_modules. */
  readonly duckdb: boolean
  /** Dials a PostgreSQL database: loads the runtime's CA bundle so verify-full TLS works. */
  readonly dialsDatabase: boolean
  readonly environment: Record<string, string>
  readonly deadLetterQueue: sqs.IQueue
  readonly logRetention: logs.RetentionDays
  readonly vpc?: FunctionNetwork
}

/** The name of the metric counting a stage's ERROR and CRITICAL log lines. */
export function loggedErrorsMetricName(stage: FunctionName): string {
  return `${stage[0]!.toUpperCase()}${stage.slice(1)}LoggedErrors`
}

export class StageFunction extends Construct {
  readonly fn: NodejsFunction
  readonly logGroup: logs.LogGroup
  readonly role: iam.Role
  readonly stage: FunctionName

  constructor(scope: Construct, id: string, props: StageFunctionProps) {
    super(scope, id)
    this.stage = props.stage
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `totesys-etl ${props.stage}: writes its own logs; the stack grants its stores and secret`,
    })
    // Least privilege instead of AWSLambdaBasicExecutionRole: this log group only.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn, `${this.logGroup.logGroupArn}:*`],
      }),
    )
    const logGroupId = Stack.of(this).getLogicalId(this.logGroup.node.defaultChild as CfnElement)
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:*]`,
      reason: 'Log streams are created at run time; the wildcard is limited to streams of this log group.',
    })
    if (props.vpc) {
      // In the role's default policy, which the function depends on: Lambda checks these at creation.
      this.role.addToPolicy(new iam.PolicyStatement({ actions: [...VPC_ENI_ACTIONS], resources: ['*'] }))
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: props.vpc
        ? 'X-Ray segments and the VPC network-interface actions (as in AWSLambdaVPCAccessExecutionRole) have no resource-level permissions; EC2 Describe* and X-Ray PutTraceSegments only work on "*".'
        : 'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions.',
    })

    const loadsFiles = props.stage === 'load'
    const duckdb = props.duckdb ? duckdbModules(props.architecture) : []
    this.fn = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: `${PROJECT_ROOT}src/entrypoints/lambda/${props.stage}.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: props.architecture,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ephemeralStorageSize: Size.mebibytes(props.duckdb ? 2048 : 512),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'totesys-etl',
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        // Results can be large (a batch's per-table counts): keep them out of the trace.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        // DuckDB and the stages write only under /tmp, the one writable folder.
        HOME: '/tmp',
        DATA_DIR: '/tmp/totesys-etl',
        ...(props.dialsDatabase ? { NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE } : {}),
        ...props.environment,
      },
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      deadLetterQueue: props.deadLetterQueue,
      ...(props.vpc
        ? {
            vpc: props.vpc.vpc,
            vpcSubnets: { subnets: props.vpc.subnets },
            securityGroups: props.vpc.securityGroups,
          }
        : {}),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node20',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // The AWS SDK is bundled (not the runtime's copy): S3 conditional writes need a known version.
        externalModules: duckdb,
        // `require` for the CommonJS dependencies (pg). A file the code reads (sql/warehouse.sql, copied
        // below) is found beside the bundle by src/io/project-file.ts, wherever it runs (Lambda's /var/task,
        // a test's temp dir).
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...(duckdb.length > 0
              ? [
                  `mkdir -p "${outputDir}/node_modules/@duckdb"`,
                  ...duckdb.map(
                    (m) =>
                      `test -d "${inputDir}/node_modules/${m}" || { echo "${m} is missing from node_modules: run npm ci (or node scripts/fetch-lambda-binaries.mjs)" >&2; exit 1; }`,
                  ),
                  ...duckdb.map(
                    (m) => `cp -R "${inputDir}/node_modules/${m}" "${outputDir}/node_modules/@duckdb/"`,
                  ),
                ]
              : []),
            ...(loadsFiles
              ? [`mkdir -p "${outputDir}/sql"`, `cp "${inputDir}/sql/warehouse.sql" "${outputDir}/sql/"`]
              : []),
          ],
        },
      },
    })

    new logs.MetricFilter(this, 'LoggedErrors', {
      logGroup: this.logGroup,
      filterPattern: logs.FilterPattern.any(
        logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
        logs.FilterPattern.stringValue('$.level', '=', 'CRITICAL'),
      ),
      metricNamespace: METRIC_NAMESPACE,
      metricName: loggedErrorsMetricName(props.stage),
      metricValue: '1',
      defaultValue: 0,
    })
  }
}
