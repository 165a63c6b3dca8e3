/**
 * The finance department's payments API: the Hono app of src/api/ in a function (the same app
 * `totesys-etl api` serves), behind an API Gateway HTTP API that only answers SigV4-signed requests (IAM
 * authorization), throttles, and logs every request to its own log group. It reads the warehouse through
 * a read-only role (ApiDbSecretArn; sql/roles.sql), and nothing else. Callers get the managed policy
 * `ApiCallerPolicyArn` (execute-api:Invoke on this API's GET routes only).
 *
 * Why not a function URL: since October 2025 a new function URL also needs lambda:InvokeFunction for each
 * caller, and it has neither throttling nor access logs. Why not EC2 (the brief's suggestion): the API is a
 * few queries an hour from one department; a function costs nothing idle, needs no patching, scaling or
 * load balancer, and the HTTP API gives it the same TLS endpoint, authentication, throttling and logs.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib'
import * as apigateway from 'aws-cdk-lib/aws-apigateway'
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import type { Monitoring } from './monitoring.ts'
import { type FunctionNetwork, StageFunction } from './stage-function.ts'

/** Steady requests per second the API accepts, and the burst above it; more get 429. */
export const API_THROTTLE = { rateLimit: 20, burstLimit: 40 } as const

export interface PaymentsApiProps {
  /** The ARN of the read-only warehouse secret. */
  readonly secretArn: string
  readonly deadLetterQueue: sqs.IQueue
  readonly logRetention: logs.RetentionDays
  readonly monitoring: Monitoring
  readonly network?: FunctionNetwork
}

export class PaymentsApi extends Construct {
  readonly function: StageFunction
  readonly api: apigwv2.HttpApi
  readonly stage: apigwv2.HttpStage
  readonly accessLogs: logs.LogGroup
  /** Attach to a caller's role or user: it may then call the API (signed GET requests). */
  readonly callerPolicy: iam.ManagedPolicy

  constructor(scope: Construct, id: string, props: PaymentsApiProps) {
    super(scope, id)
    this.function = new StageFunction(this, 'Api', {
      deadLetterQueue: props.deadLetterQueue,
      logRetention: props.logRetention,
      stage: 'api',
      description: 'totesys-etl: the payments API (last5, next5) over the warehouse',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(29),
      duckdb: false,
      dialsDatabase: true,
      environment: { WAREHOUSE_DB_SECRET_ARN: props.secretArn },
      ...(props.network ? { vpc: props.network } : {}),
    })
    secretsmanager.Secret.fromSecretCompleteArn(this, 'ApiDbSecret', props.secretArn).grantRead(
      this.function.fn,
    )

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'totesys-etl payments API (IAM-signed requests only)',
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    })
    // Read-only: GET on every path of the app (/payments/last5, /payments/next5, /health, /openapi.json).
    this.api.addRoutes({
      path: '/{proxy+}',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Payments', this.function.fn, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    })
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            caller: '$context.identity.userArn',
            ip: '$context.identity.sourceIp',
            route: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            ms: '$context.responseLatency',
            bytes: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    })

    const stack = Stack.of(this)
    this.callerPolicy = new iam.ManagedPolicy(this, 'Callers', {
      description: 'Lets its holder call the totesys-etl payments API (signed GET requests)',
      statements: [
        new iam.PolicyStatement({
          actions: ['execute-api:Invoke'],
          resources: [
            stack.formatArn({
              service: 'execute-api',
              resource: this.api.apiId,
              resourceName: '$default/GET/*',
            }),
          ],
        }),
      ],
    })
    Validations.of(this.callerPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${stack.getLogicalId(this.api.node.findChild('Resource') as apigwv2.CfnApi)}>/$default/GET/*]`,
      reason: 'Callers may GET any path of this one API (the payments routes, health, the OpenAPI document).',
    })

    props.monitoring.addFunctionAlarms('api', this.function)
    props.monitoring.addAlarm(
      'ApiServerErrors',
      'api: the payments API answered 5xx (warehouse down or a defect)',
      {
        metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    )
  }
}
