/**
 * The stack as CloudFormation, and what AWS will do with it: each test walks the references AWS follows
 * (alarm → topic → topic policy → key policy; function → role → policies; rule → queue → event source
 * mapping → function) and evaluates the policies (infra/test/template-model.ts) instead of only looking
 * for strings. Three synths: the default stack (arm64 DuckDB bundles, checked as aarch64 binaries), a
 * second stack name with x86_64 DuckDB bundles (run here with node as Lambda would), and a VPC variant.
 * cdk-nag's AwsSolutions pack runs on each; an unacknowledged finding fails the synth. Every acknowledgement
 * must suppress a finding that exists: for the default and VPC stacks, the findings with acknowledgements
 * switched off (cdk-nag's pack run again on the same tree, ignoring them; the other plugins' findings the
 * synth's validation report lists, suppressed or not), and each acknowledgement must match a finding of that
 * rule on its construct or below (one left behind when the code it excused changed fails). The synths are
 * shared by every test here: each costs seconds of CPU, the two bundled ones tens.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { App, Stack, Validations } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as s3 from 'aws-cdk-lib/aws-s3'
import { AwsSolutionsChecks } from 'cdk-nag'
import fc from 'fast-check'
import { METRIC_NAMES, METRIC_NAMESPACE, STREAM_METRICS } from '../../src/core/metric-names.ts'
import { WAREHOUSE_CATALOGUE, WAREHOUSE_TABLES } from '../../src/core/warehouse-catalogue.ts'
import { STATUS_RETENTION_DAYS } from '../../src/service/status-store.ts'
import { createTestDatabase } from '../../test/support/databases.ts'
import { EtlStack, type EtlStackProps } from '../lib/etl-stack.ts'
import { toGlueDatabaseName, toGlueType } from '../lib/glue-columns.ts'
import { API_THROTTLE } from '../lib/payments-api.ts'
import { MAX_RECEIVES } from '../lib/serial-trigger.ts'
import { EVERY_MINUTES, LOAD_SAFETY_MINUTES, SECRET_PARAMETERS } from '../lib/stack-parameters.ts'
import { LAMBDA_CA_BUNDLE, VPC_ENI_ACTIONS } from '../lib/stage-function.ts'
import {
  ACCOUNT,
  allows,
  evaluateRule,
  REGION,
  type Resource,
  type Statement,
  TemplateModel,
} from './template-model.ts'

// NodejsFunction bundles through `npx --no-install esbuild`: this folder's npx serves identical bundles from a
// cache (infra/test/bundle-cache/cached-esbuild.mjs says what its key covers).
process.env.PATH = `${join(import.meta.dirname, 'bundle-cache')}${delimiter}${process.env.PATH ?? ''}`

const FUNCTIONS = {
  extract: 'one incremental extract',
  transform: 'every pending ingestion batch',
  load: 'every pending processed batch',
  sweep: 'orphan data files',
  api: 'the payments API',
  fx: 'daily FX rates',
  datasets: 'new JSON dataset',
} as const
type FunctionKey = keyof typeof FUNCTIONS
const DUCKDB_FUNCTIONS = ['transform', 'load', 'fx', 'datasets'] as const
/** The functions each run one invocation at a time through a FIFO queue. */
const SERIAL_FUNCTIONS = ['extract', 'transform', 'load', 'datasets'] as const
/** Which secret parameter each database function may read (and no other). */
const SECRET_OF: Partial<Record<FunctionKey, keyof typeof SECRET_PARAMETERS>> = {
  extract: 'TotesysDbSecretArn',
  load: 'WarehouseDbSecretArn',
  api: 'ApiDbSecretArn',
  fx: 'FxDbSecretArn',
  datasets: 'DatasetsDbSecretArn',
}
const NETWORK = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'],
  securityGroupIds: ['sg-0a1b2c3d4e5f60718'],
}

interface Synth {
  readonly name: string
  /** The synth's validation report (several synths may share an output folder: read when written). */
  readonly report: ValidationReport
  readonly stack: EtlStack
  readonly model: TemplateModel
  readonly outdir: string
  fn(key: FunctionKey): string
  props(key: FunctionKey): Record<string, unknown>
  env(key: FunctionKey): Record<string, unknown>
  statements(key: FunctionKey): Statement[]
}

/**
 * Synthesizes a stack with cdk-nag (throws on any unacknowledged finding); bundles only when asked. Stacks
 * given the same `outdir` share the bundles whose bundling is the same (aws-cdk-lib caches a staged asset
 * per output folder and bundling options): the functions without DuckDB are bundled once for both.
 */
function synth(
  name: string,
  props: EtlStackProps,
  bundle: boolean,
  outdir = mkdtempSync(join(tmpdir(), 'cdk-out-')),
  context: Record<string, string> = {},
): Synth {
  const app = new App({
    outdir,
    context: {
      'aws:cdk:enable-asset-metadata': true,
      ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  })
  const stack = new EtlStack(app, name, props)
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
  app.synth()
  const model = new TemplateModel(Template.fromStack(stack).toJSON() as never)
  const fn = (key: FunctionKey) => model.functionId(FUNCTIONS[key])
  return {
    name,
    report: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')),
    stack,
    model,
    outdir,
    fn,
    props: (key) => model.resources[fn(key)]!.Properties,
    env: (key) =>
      (model.resources[fn(key)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    statements: (key) => model.statementsOf(model.roleOf(fn(key))),
  }
}

interface Violation {
  readonly ruleName: string
  readonly violatingConstructs: { readonly constructPath: string }[]
}
interface ValidationReport {
  readonly pluginReports: {
    readonly pluginName: string
    readonly violations: Violation[]
    readonly suppressedViolations?: Violation[]
  }[]
}

/** The acknowledgements of a synthesized stack: construct path and rule id. */
function acknowledgementsOf(stack: EtlStack): { path: string; id: string }[] {
  return stack.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) =>
        // Recorded as Annotation::<rule id> beside the rule id itself.
        Object.keys(m.data as object).map((id) => ({
          path: c.node.path,
          id: id.replace(/^Annotation::/, ''),
        })),
      ),
  )
}

/**
 * The findings of a synthesized stack with every acknowledgement switched off, as `<plugin rule id>` →
 * construct paths, without a second synth: cdk-nag reads the acknowledgements itself, so its pack walks the
 * same construct tree again with that lookup switched off (and must fail, as the synth would); aws-cdk-lib
 * applies them to the other plugins' findings after the fact, and the synth's validation report keeps those
 * it suppressed beside the rest.
 */
function findingsOf(s: Synth): Map<string, string[]> {
  const findings = new Map<string, string[]>()
  const add = (id: string, paths: string[]) => findings.set(id, [...(findings.get(id) ?? []), ...paths])
  const nag = new AwsSolutionsChecks()
  Object.assign(nag, { isAcknowledged: () => false })
  const unacknowledged = nag.validateScope(s.stack.node.root)
  assert.equal(unacknowledged.success, false, 'cdk-nag fails the stack without its acknowledgements')
  for (const v of unacknowledged.violations)
    add(
      v.ruleName,
      v.violatingResources.map((r) => r.constructPath!),
    )
  for (const plugin of s.report.pluginReports) {
    if (plugin.pluginName === nag.readPackName) continue
    for (const v of [...plugin.violations, ...(plugin.suppressedViolations ?? [])])
      add(
        `${plugin.pluginName.replaceAll(' ', '-')}::${v.ruleName}`,
        v.violatingConstructs.map((c) => c.constructPath),
      )
  }
  return findings
}

const unique = (acks: { path: string; id: string }[]) => [
  ...new Map(acks.map((a) => [`${a.path} ${a.id}`, a])).values(),
]

describe('EtlStack', () => {
  let main: Synth
  let second: Synth
  let vpc: Synth
  let all: Synth[]
  before(() => {
    main = synth('TotesysEtl', {}, true)
    second = synth('Staging-Etl', { duckdbArchitecture: lambda.Architecture.X86_64 }, true, main.outdir)
    vpc = synth('TotesysEtlVpc', { network: NETWORK }, false)
    all = [main, second, vpc]
  })
  after(() => {
    for (const s of all ?? []) rmSync(s.outdir, { recursive: true, force: true })
  })

  const ingestionArn = (s: Synth) =>
    `arn:aws:s3:::${s.stack.getLogicalId(s.stack.lake.ingestion.node.defaultChild as s3.CfnBucket).toLowerCase()}`
  const processedArn = (s: Synth) =>
    `arn:aws:s3:::${s.stack.getLogicalId(s.stack.lake.processed.node.defaultChild as s3.CfnBucket).toLowerCase()}`
  const can = (s: Synth, key: FunctionKey, action: string, resource: string) =>
    allows(s.statements(key), { action, resource })

  describe('1. alarms reach a person', () => {
    it('every alarm notifies the topic, whose policy lets CloudWatch publish for it and whose key CloudWatch may use', () => {
      for (const s of all) {
        const { model } = s
        const [[topicId, topic]] = model.ofType('AWS::SNS::Topic') as [[string, Resource]]
        const topicArn = model.resolve({ Ref: topicId }) as string
        const topicStatements = model
          .ofType('AWS::SNS::TopicPolicy')
          .filter(([, p]) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: topicId }]))
          .flatMap(
            ([, p]) =>
              model.resolve((p.Properties.PolicyDocument as { Statement: unknown }).Statement) as Statement[],
          )
        const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!
        const keyStatements = model.resolve(
          (model.resources[keyId]!.Properties.KeyPolicy as { Statement: unknown }).Statement,
        ) as Statement[]
        const alarms = model.ofType('AWS::CloudWatch::Alarm')
        // 4 per function (errors, throttles, near timeout, logged errors) × 7; freshness, no extract, quarantined
        // rows, the two dead-letter queues; no FX run, FX and dataset quarantine, API 5xx.
        assert.equal(alarms.length, 7 * 4 + 5 + 4, s.name)
        for (const [id, alarm] of alarms) {
          const p = alarm.Properties
          assert.deepEqual(p.AlarmActions, [{ Ref: topicId }], id)
          assert.deepEqual(p.OKActions, [{ Ref: topicId }], id)
          const alarmArn = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${model.resolve(p.AlarmName)}`
          const context = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': alarmArn }
          assert.ok(
            allows(topicStatements, {
              service: 'cloudwatch.amazonaws.com',
              action: 'sns:Publish',
              resource: topicArn,
              context,
            }),
            `${s.name}: the topic policy lets CloudWatch publish for ${id}`,
          )
          for (const action of ['kms:GenerateDataKey', 'kms:Decrypt'])
            assert.ok(
              allows(keyStatements, { service: 'cloudwatch.amazonaws.com', action, resource: '*', context }),
              `${s.name}: the key lets CloudWatch ${action}`,
            )
        }
        // Not anyone's alarm: another account's, or a name outside this stack's.
        const foreign = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:SomeoneElse-Alarm`
        assert.ok(
          !allows(topicStatements, {
            service: 'cloudwatch.amazonaws.com',
            action: 'sns:Publish',
            resource: topicArn,
            context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': foreign },
          }),
        )
        assert.ok(
          !allows(topicStatements, {
            service: 'cloudwatch.amazonaws.com',
            action: 'sns:Publish',
            resource: topicArn,
            context: { 'aws:SourceAccount': '999999999999', 'aws:SourceArn': foreign },
          }),
        )
        // Plain HTTP is refused even to CloudWatch.
        assert.ok(
          !allows(topicStatements, {
            service: 'cloudwatch.amazonaws.com',
            action: 'sns:Publish',
            resource: topicArn,
            context: {
              'aws:SourceAccount': ACCOUNT,
              'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${s.name}-X`,
              'aws:SecureTransport': 'false',
            },
          }),
        )
        Template.fromStack(s.stack).hasResource('AWS::SNS::Subscription', {
          Condition: Match.anyValue(),
          Properties: { Protocol: 'email', Endpoint: { Ref: 'AlertEmail' }, TopicArn: { Ref: topicId } },
        })
      }
    })
  })

  describe('2. functions in a VPC can create their network interfaces', () => {
    it('with the VPC context, every function with VpcConfig may manage ENIs, from a policy created before it', () => {
      const inVpc = vpc.model.ofType('AWS::Lambda::Function').filter(([, f]) => f.Properties.VpcConfig)
      assert.deepEqual(
        inVpc
          .map(([, f]) => String(f.Properties.Description).replace('totesys-etl: ', '').split(' ')[0])
          .sort(),
        ['daily', 'every', 'new', 'one', 'the'],
        'extract, load, api, fx and datasets join the VPC; transform and sweep dial no database',
      )
      for (const [id, f] of inVpc) {
        assert.deepEqual(f.Properties.VpcConfig, {
          SubnetIds: NETWORK.subnetIds,
          SecurityGroupIds: NETWORK.securityGroupIds,
        })
        const role = vpc.model.roleOf(id)
        const statements = vpc.model.statementsOf(role)
        for (const action of VPC_ENI_ACTIONS)
          assert.ok(allows(statements, { action, resource: '*' }), `${id} may ${action}`)
        // Lambda checks the role when it creates the function: the policy must exist by then.
        const granting = vpc.model
          .policiesOf(role)
          .filter((p) => JSON.stringify(p.document).includes('ec2:CreateNetworkInterface'))
          .map((p) => p.id)
        assert.ok(
          granting.some((p) => vpc.model.createdBefore(id).has(p)),
          `${id} is created after its ENI policy`,
        )
        assert.equal(vpc.model.resources[role]!.Properties.ManagedPolicyArns, undefined)
      }
    })

    it('without a VPC no role gets EC2 rights, and no acknowledgement names the VPC managed policy', () => {
      for (const s of [main, second]) {
        for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
          assert.ok(!can(s, key, 'ec2:CreateNetworkInterface', '*'), `${s.name} ${key}`)
          assert.equal(s.props(key).VpcConfig, undefined)
        }
      }
      for (const s of all) {
        const acknowledged = s.stack.node
          .findAll()
          .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
          .flatMap((m) => Object.keys(m.data as object))
        assert.ok(acknowledged.length > 0)
        assert.deepEqual(
          acknowledged.filter((id) => /IAM4|AWSLambdaVPCAccessExecutionRole/.test(id)),
          [],
        )
      }
    })
  })

  describe('3. a second stack in the same account does not collide', () => {
    it('names the Glue database after the stack, and each table lives in it', () => {
      const names = all.map((s) => {
        const [[, db]] = s.model.ofType('AWS::Glue::Database') as [[string, Resource]]
        const name = (db.Properties.DatabaseInput as { Name: string }).Name
        for (const [, t] of s.model.ofType('AWS::Glue::Table')) assert.equal(t.Properties.DatabaseName, name)
        return name
      })
      assert.deepEqual(names, ['totesys_etl_lake', 'staging_etl_lake', 'totesys_etl_vpc_lake'])
      // Alarms and the dashboard carry the stack name too.
      for (const s of all) {
        for (const [, a] of s.model.ofType('AWS::CloudWatch::Alarm'))
          assert.ok(String(a.Properties.AlarmName).startsWith(`${s.name}-`))
        const [[, dash]] = s.model.ofType('AWS::CloudWatch::Dashboard') as [[string, Resource]]
        assert.equal(dash.Properties.DashboardName, `${s.name}-pipeline`)
      }
    })

    it('derives a valid Glue/Athena name from any stack name, distinct unless they differ only in case or hyphens (fast-check)', () => {
      const stackName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/)
      // What the name keeps: its words (split at hyphens and lower-to-upper case changes) in lower case.
      const words = (n: string) =>
        n
          .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
          .toLowerCase()
          .split('-')
          .filter(Boolean)
          .join(' ')
      fc.assert(
        fc.property(stackName, stackName, (a, b) => {
          const [x, y] = [toGlueDatabaseName(a), toGlueDatabaseName(b)]
          assert.match(x, /^[a-z][a-z0-9_]*_lake$/)
          assert.ok(x.length <= 255)
          if (words(a) !== words(b)) assert.notEqual(x, y, `${a} and ${b}`)
        }),
        { numRuns: 500 },
      )
      // Names a team would give its stacks stay apart.
      const names = [
        'TotesysEtl',
        'Staging-Etl',
        'TotesysEtlStaging',
        'Sandbox1',
        'Sandbox2',
        'totesys-etl-dev',
      ]
      assert.equal(new Set(names.map(toGlueDatabaseName)).size, names.length)
    })
  })

  describe('6. Athena reads the time columns', () => {
    it('declares every time column bigint (parquet INT64 TIME micros), the rest from the catalogue', () => {
      const tables = main.model.ofType('AWS::Glue::Table').map(
        ([, t]) =>
          t.Properties.TableInput as {
            Name: string
            StorageDescriptor: { Columns: { Name: string; Type: string }[] }
          },
      )
      assert.deepEqual(tables.map((t) => t.Name).sort(), [...WAREHOUSE_TABLES].sort())
      let times = 0
      for (const t of tables) {
        const catalogue = WAREHOUSE_CATALOGUE[t.Name as keyof typeof WAREHOUSE_CATALOGUE].columns
        assert.deepEqual(
          t.StorageDescriptor.Columns,
          catalogue.map((c) => ({ Name: c.name, Type: toGlueType(c.type) })),
        )
        for (const c of catalogue.filter((c) => c.type === 'time')) {
          times++
          assert.equal(t.StorageDescriptor.Columns.find((x) => x.Name === c.name)?.Type, 'bigint')
        }
      }
      assert.equal(times, 6)
    })
  })

  describe('7. the payments API', () => {
    it('serves GET routes through an HTTP API with IAM auth, throttling and access logs; no function URL', () => {
      for (const s of all) {
        const t = Template.fromStack(s.stack)
        t.resourceCountIs('AWS::Lambda::Url', 0)
        const routes = s.model.ofType('AWS::ApiGatewayV2::Route')
        assert.ok(routes.length > 0)
        for (const [, r] of routes) {
          assert.equal(r.Properties.AuthorizationType, 'AWS_IAM')
          assert.match(String(r.Properties.RouteKey), /^GET /)
        }
        const [[, stage]] = s.model.ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]]
        assert.deepEqual(stage.Properties.DefaultRouteSettings, {
          ThrottlingBurstLimit: API_THROTTLE.burstLimit,
          ThrottlingRateLimit: API_THROTTLE.rateLimit,
        })
        const logs = stage.Properties.AccessLogSettings as {
          DestinationArn: { 'Fn::GetAtt': string[] }
          Format: string
        }
        const group = s.model.resources[logs.DestinationArn['Fn::GetAtt'][0]!]!
        assert.equal(group.Type, 'AWS::Logs::LogGroup')
        assert.ok(group.Properties.RetentionInDays)
        assert.match(logs.Format, /\$context\.requestId/)
        // API Gateway may invoke the function, only from this API.
        const [apiId] = s.model.ofType('AWS::ApiGatewayV2::Api')[0]!
        const permissions = s.model
          .ofType('AWS::Lambda::Permission')
          .filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(s.fn('api')))
        assert.equal(permissions.length, 1)
        const [, permission] = permissions[0]!
        assert.equal(permission.Properties.Action, 'lambda:InvokeFunction')
        assert.equal(permission.Properties.Principal, 'apigateway.amazonaws.com')
        assert.match(JSON.stringify(permission.Properties.SourceArn), new RegExp(apiId))
        // The caller policy: execute-api:Invoke on this API's GET routes only.
        const [[, callers]] = s.model.ofType('AWS::IAM::ManagedPolicy') as [[string, Resource]]
        const statements = s.model.resolve(
          (callers.Properties.PolicyDocument as { Statement: unknown }).Statement,
        ) as Statement[]
        const route = (method: string, path: string) =>
          `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId.toLowerCase()}/$default/${method}/${path}`
        assert.ok(
          allows(statements, { action: 'execute-api:Invoke', resource: route('GET', 'payments/last5') }),
        )
        assert.ok(
          !allows(statements, { action: 'execute-api:Invoke', resource: route('POST', 'payments/last5') }),
        )
        assert.ok(!allows(statements, { action: 'lambda:InvokeFunction', resource: '*' }))
        assert.ok(s.model.template.Outputs?.ApiUrl && s.model.template.Outputs?.ApiCallerPolicyArn)
      }
    })
  })

  describe('8. verified TLS to RDS', () => {
    it('every function that reads a database secret loads the runtime CA bundle on a Node.js 24 runtime', () => {
      for (const s of all) {
        for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
          const env = s.env(key)
          const dials = Object.keys(env).some((k) => k.endsWith('_DB_SECRET_ARN'))
          assert.equal(env.NODE_EXTRA_CA_CERTS, dials ? LAMBDA_CA_BUNDLE : undefined, `${s.name} ${key}`)
          assert.equal(s.props(key).Runtime, 'nodejs24.x')
        }
      }
    })
  })

  describe('least privilege', () => {
    it('lets each database function read exactly its own secret', () => {
      for (const s of all) {
        for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
          for (const param of Object.keys(SECRET_PARAMETERS)) {
            const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${param}-AbCdEf`
            const model = new TemplateModel(s.model.template, { [param]: arn })
            const may = allows(model.statementsOf(model.roleOf(s.fn(key))), {
              action: 'secretsmanager:GetSecretValue',
              resource: arn,
            })
            assert.equal(may, SECRET_OF[key] === param, `${s.name}: ${key} reading ${param}`)
          }
          const own = SECRET_OF[key]
          if (own)
            assert.deepEqual(
              s.env(key)[key === 'extract' ? 'TOTESYS_DB_SECRET_ARN' : 'WAREHOUSE_DB_SECRET_ARN'],
              { Ref: own },
            )
        }
      }
    })

    it('grants s3:DeleteObject only (never a version), and no object wildcard actions', () => {
      for (const s of all) {
        for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
          const actions = s.statements(key).flatMap((st) => [st.Action].flat())
          for (const a of actions) {
            if (!a.startsWith('s3:')) continue
            assert.ok(
              [
                's3:GetObject',
                's3:PutObject',
                's3:AbortMultipartUpload',
                's3:DeleteObject',
                's3:ListBucket',
              ].includes(a),
              `${key}: ${a}`,
            )
          }
          assert.ok(!can(s, key, 's3:DeleteObjectVersion', `${ingestionArn(s)}/sales_order/x`))
        }
      }
    })

    it('keeps each stage to its prefixes: extract never writes _schemas/ or _quarantine/, sweep never deletes a manifest', () => {
      for (const s of all) {
        const ing = ingestionArn(s)
        const proc = processedArn(s)
        assert.ok(
          can(
            s,
            'extract',
            's3:PutObject',
            `${ing}/sales_order/year=2026/month=11/day=30/0000000001-a.csv.gz`,
          ),
        )
        assert.ok(can(s, 'extract', 's3:PutObject', `${ing}/_manifests/0000000001.json`))
        for (const key of ['_schemas/sales_order/v2.json', '_quarantine/0000000001/x.json', 'ext/fx/x'])
          assert.ok(!can(s, 'extract', 's3:PutObject', `${ing}/${key}`), `extract writes ${key}`)
        assert.ok(!can(s, 'extract', 's3:DeleteObject', `${ing}/_manifests/0000000001.json`))
        assert.ok(!can(s, 'extract', 's3:GetObject', `${proc}/_manifests/0000000001.json`))
        assert.ok(can(s, 'transform', 's3:PutObject', `${ing}/_quarantine/0000000001/sales_order/x.json`))
        assert.ok(!can(s, 'transform', 's3:PutObject', `${ing}/_manifests/0000000009.json`))
        assert.ok(!can(s, 'transform', 's3:DeleteObject', `${proc}/_manifests/0000000001.json`))
        for (const bucket of [ing, proc]) {
          assert.ok(
            !can(s, 'sweep', 's3:DeleteObject', `${bucket}/_manifests/0000000001.json`),
            'sweep deletes a manifest',
          )
          assert.ok(!can(s, 'sweep', 's3:DeleteObject', `${bucket}/_schemas/sales_order/v1.json`))
          assert.ok(!can(s, 'sweep', 's3:PutObject', `${bucket}/sales_order/x`))
        }
        assert.ok(
          can(
            s,
            'sweep',
            's3:DeleteObject',
            `${ing}/sales_order/year=2026/month=11/day=30/0000000001-a.csv.gz`,
          ),
        )
        assert.ok(
          can(
            s,
            'sweep',
            's3:DeleteObject',
            `${proc}/fact_sales_order/year=2026/month=11/day=30/0000000001-a.parquet`,
          ),
        )
        assert.ok(
          can(
            s,
            'sweep',
            's3:DeleteObject',
            `${ing}/_deletes/staff/year=2026/month=11/day=30/0000000001-a.csv.gz`,
          ),
          "sweep may delete logical mode's orphan tombstone files",
        )
        for (const key of ['load', 'api'] as const) {
          assert.ok(!can(s, key, 's3:PutObject', `${proc}/fact_sales_order/x`))
          assert.ok(!can(s, key, 's3:DeleteObject', `${proc}/fact_sales_order/x`))
        }
        assert.ok(
          !s.statements('api').some((st) => [st.Action].flat().some((a) => a.startsWith('s3:'))),
          'the API touches no bucket',
        )
        for (const [key, prefix] of [
          ['fx', 'ext/fx/'],
          ['datasets', 'ext/datasets/'],
        ] as const) {
          assert.ok(can(s, key, 's3:PutObject', `${ing}/${prefix}x`))
          assert.ok(!can(s, key, 's3:PutObject', `${ing}/_manifests/0000000001.json`))
          assert.ok(!can(s, key, 's3:DeleteObject', `${proc}/fact_sales_order/x`))
        }
      }
    })

    it('lets every stage function write its status events, and none delete them; a lifecycle rule expires them', () => {
      for (const s of all) {
        const event = `${processedArn(s)}/_status/events/2026-11-30/1764460800000-0001-abcd.json`
        for (const key of ['extract', 'transform', 'load', 'fx', 'datasets', 'sweep'] as const) {
          assert.ok(can(s, key, 's3:PutObject', event), `${key} cannot write the status store`)
          assert.ok(!can(s, key, 's3:DeleteObject', event), `${key} may delete status events`)
          assert.ok(!can(s, key, 's3:PutObject', `${ingestionArn(s)}/_status/x.json`))
        }
        assert.ok(!can(s, 'api', 's3:PutObject', event), 'the API writes the status store')
      }
      const processed =
        main.model.resources[
          main.stack.getLogicalId(main.stack.lake.processed.node.defaultChild as s3.CfnBucket)
        ]!
      const rules = (processed.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] })
        .Rules
      assert.deepEqual(
        rules.filter((r) => r.Prefix === '_status/').map((r) => [r.Id, r.ExpirationInDays, r.Status]),
        [['expire-status-events', STATUS_RETENTION_DAYS + 1, 'Enabled']],
      )
    })

    it('runs every function on Graviton (arm64) by default, DuckDB ones on x86_64 when the context asks', () => {
      for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
        assert.deepEqual(main.props(key).Architectures, ['arm64'], key)
        const expected = (DUCKDB_FUNCTIONS as readonly string[]).includes(key) ? 'x86_64' : 'arm64'
        assert.deepEqual(second.props(key).Architectures, [expected], key)
      }
    })
  })

  describe('operability', () => {
    it('refuses, at deploy, an extract schedule the no-extract alarm window cannot outlast', () => {
      const rules = Object.values(main.model.template.Rules ?? {}).filter((r) =>
        JSON.stringify(r).includes('ExtractEveryMinutes'),
      )
      assert.equal(rules.length, EVERY_MINUTES.length)
      const pass = (extract: string, window: string) =>
        rules.every((rule) => {
          const params = { ExtractEveryMinutes: extract, NoExtractAlarmMinutes: window }
          if (rule.RuleCondition !== undefined && evaluateRule(rule.RuleCondition, params) !== true)
            return true
          return rule.Assertions.every((a) => evaluateRule(a.Assert, params) === true)
        })
      const allowed = main.model.template.Parameters!.ExtractEveryMinutes!.AllowedValues as string[]
      assert.deepEqual(allowed, EVERY_MINUTES.map(String))
      for (const every of allowed)
        for (let window = 2; window <= 1440; window++)
          assert.equal(
            pass(every, String(window)),
            window > Number(every),
            `extract every ${every}, window ${window}`,
          )
      // The load safety schedule leaves no 5-minute freshness period empty, and the threshold outlasts a gap.
      assert.deepEqual(
        main.model.template.Parameters!.LoadSafetyEveryMinutes!.AllowedValues,
        LOAD_SAFETY_MINUTES.map(String),
      )
      assert.ok(Number(main.model.template.Parameters!.FreshnessThresholdSeconds!.MinValue) > 5 * 60)
      for (const s of all) assert.ok(Object.keys(s.model.template.Rules ?? {}).length >= EVERY_MINUTES.length)
    })

    it('gives the alarms that treat missing data as breaching a warm-up, the FX one longer than its daily schedule', () => {
      const alarms = main.model.ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties)
      const breaching = alarms.filter((a) => a.TreatMissingData === 'breaching')
      assert.deepEqual(
        breaching.map((a) => a.MetricName).sort(),
        [STREAM_METRICS.fxSucceeded, METRIC_NAMES.extractSucceeded, METRIC_NAMES.freshnessLagSeconds].sort(),
      )
      for (const a of breaching)
        assert.ok(
          (a.WarmUpConfiguration as { WarmUpPeriodDurationInMinutes: number })
            ?.WarmUpPeriodDurationInMinutes >= 30,
          String(a.MetricName),
        )
      const fx = breaching.find((a) => a.MetricName === STREAM_METRICS.fxSucceeded)!
      assert.ok(
        (fx.WarmUpConfiguration as { WarmUpPeriodDurationInMinutes: number }).WarmUpPeriodDurationInMinutes >=
          24 * 60 + 30,
      )
      assert.ok(
        (fx.WarmUpConfiguration as { WarmUpPeriodDurationInMinutes: number }).WarmUpPeriodDurationInMinutes <=
          2880,
      )
      assert.deepEqual([fx.Period, fx.EvaluationPeriods, fx.Namespace], [3600, 25, METRIC_NAMESPACE])
    })

    it('runs each stage one invocation at a time: rules → FIFO queue (one group) → event source mapping', () => {
      for (const s of all) {
        const { model } = s
        for (const key of SERIAL_FUNCTIONS) {
          const fnId = s.fn(key)
          const mappings = model
            .ofType('AWS::Lambda::EventSourceMapping')
            .filter(([, m]) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: fnId }))
          assert.equal(mappings.length, 1, `${s.name} ${key}: one queue feeds it`)
          const [mappingId, mapping] = mappings[0]!
          const queueId = (mapping.Properties.EventSourceArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!
          const queue = model.resources[queueId]!.Properties
          assert.equal(queue.FifoQueue, true)
          assert.equal(queue.ContentBasedDeduplication, true)
          assert.ok(
            Number(queue.VisibilityTimeout) >= Number(s.props(key).Timeout),
            'visibility outlasts a run',
          )
          const redrive = queue.RedrivePolicy as {
            deadLetterTargetArn: { 'Fn::GetAtt': string[] }
            maxReceiveCount: number
          }
          assert.equal(redrive.maxReceiveCount, MAX_RECEIVES)
          assert.equal(
            model.resources[redrive.deadLetterTargetArn['Fn::GetAtt'][0]!]!.Properties.FifoQueue,
            true,
          )
          assert.ok(Number(mapping.Properties.BatchSize) <= 10)
          // The function may receive from its queue before the mapping is created (Lambda checks).
          const role = model.roleOf(fnId)
          const queueArn = model.resolve({ 'Fn::GetAtt': [queueId, 'Arn'] }) as string
          assert.ok(allows(model.statementsOf(role), { action: 'sqs:ReceiveMessage', resource: queueArn }))
          const granting = model
            .policiesOf(role)
            .filter((p) => JSON.stringify(p.document).includes(queueId))
            .map((p) => p.id)
          assert.ok(
            granting.some((p) => model.createdBefore(mappingId).has(p)),
            `${key}: mapping after its policy`,
          )
          // Every rule that wakes it sends to the queue with one message group; none invokes it directly.
          const rules = model
            .ofType('AWS::Events::Rule')
            .filter(([, r]) => JSON.stringify(r.Properties.Targets).includes(queueId))
          assert.ok(rules.length >= 1)
          for (const [, r] of rules)
            for (const t of r.Properties.Targets as {
              SqsParameters?: { MessageGroupId: string }
              DeadLetterConfig?: unknown
            }[]) {
              assert.equal(t.SqsParameters?.MessageGroupId, key)
              assert.ok(t.DeadLetterConfig)
            }
          assert.ok(
            !model
              .ofType('AWS::Events::Rule')
              .some(([, r]) => JSON.stringify(r.Properties.Targets).includes(`"${fnId}"`)),
          )
          // EventBridge may send to the queue, only from its rules.
          const policies = model
            .ofType('AWS::SQS::QueuePolicy')
            .filter(([, p]) => JSON.stringify(p.Properties.Queues).includes(queueId))
          const statements = policies.flatMap(
            ([, p]) =>
              model.resolve((p.Properties.PolicyDocument as { Statement: unknown }).Statement) as Statement[],
          )
          for (const [ruleId] of rules) {
            const context = { 'aws:SourceArn': String(model.resolve({ 'Fn::GetAtt': [ruleId, 'Arn'] })) }
            assert.ok(
              allows(statements, {
                service: 'events.amazonaws.com',
                action: 'sqs:SendMessage',
                resource: queueArn,
                context,
              }),
              `${key}: EventBridge may send`,
            )
          }
        }
        // The load wakes on processed manifests and on its safety schedule; the transform on ingestion manifests.
        const wakes = (key: FunctionKey) => {
          const [, mapping] = model
            .ofType('AWS::Lambda::EventSourceMapping')
            .find(([, m]) => JSON.stringify(m.Properties.FunctionName).includes(s.fn(key)))!
          const queueId = (mapping.Properties.EventSourceArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!
          return model
            .ofType('AWS::Events::Rule')
            .filter(([, r]) => JSON.stringify(r.Properties.Targets).includes(queueId))
            .map(([, r]) => r.Properties)
        }
        const processedRef = {
          Ref: s.stack.getLogicalId(s.stack.lake.processed.node.defaultChild as s3.CfnBucket),
        }
        const ingestionRef = {
          Ref: s.stack.getLogicalId(s.stack.lake.ingestion.node.defaultChild as s3.CfnBucket),
        }
        const pattern = (bucket: unknown) => ({
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: [bucket] }, object: { key: [{ prefix: '_manifests/' }] } },
        })
        assert.deepEqual(
          wakes('transform').map((r) => r.EventPattern),
          [pattern(ingestionRef)],
        )
        assert.deepEqual(
          wakes('load')
            .map((r) => r.EventPattern)
            .filter(Boolean),
          [pattern(processedRef)],
        )
        const cron = (param: string) => ({ 'Fn::Join': ['', ['cron(0/', { Ref: param }, ' * * * ? *)']] })
        assert.deepEqual(
          wakes('load')
            .map((r) => r.ScheduleExpression)
            .filter(Boolean),
          [cron('LoadSafetyEveryMinutes')],
        )
        assert.deepEqual(
          wakes('extract').map((r) => r.ScheduleExpression),
          [cron('ExtractEveryMinutes')],
        )
        // A FIFO dead letter alarms.
        const fifoDlq = model
          .ofType('AWS::SQS::Queue')
          .filter(
            ([id, q]) =>
              q.Properties.FifoQueue &&
              model
                .ofType('AWS::SQS::Queue')
                .some(([, o]) => JSON.stringify(o.Properties?.RedrivePolicy ?? {}).includes(id)),
          )
        assert.equal(fifoDlq.length, 1)
        assert.ok(
          model
            .ofType('AWS::CloudWatch::Alarm')
            .some(([, a]) => JSON.stringify(a.Properties.Dimensions ?? []).includes(fifoDlq[0]![0])),
        )
      }
    })

    it('traces every function with X-Ray', () => {
      for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
        assert.deepEqual(main.props(key).TracingConfig, { Mode: 'Active' })
        assert.ok(can(main, key, 'xray:PutTraceSegments', '*'))
      }
    })
  })

  describe('the bundles', () => {
    const assetOf = (s: Synth, key: FunctionKey) =>
      join(s.outdir, s.model.resources[s.fn(key)]!.Metadata!['aws:asset:path']!)
    /** The ELF machine of a native module: 0xB7 aarch64, 0x3E x86-64. */
    const elfMachine = (path: string) => {
      const fd = openSync(path, 'r')
      const buffer = Buffer.alloc(20)
      readSync(fd, buffer, 0, 20, 0)
      closeSync(fd)
      assert.equal(buffer.subarray(0, 4).toString('latin1'), '\x7fELF')
      return buffer.readUInt16LE(18)
    }

    it('ships the aarch64 DuckDB binding in the arm64 bundles, the x86-64 one in the x86_64 bundles, sql/ for the load', () => {
      for (const key of DUCKDB_FUNCTIONS) {
        const arm = join(assetOf(main, key), 'node_modules/@duckdb')
        assert.equal(elfMachine(join(arm, 'node-bindings-linux-arm64/duckdb.node')), 0xb7, key)
        assert.ok(!existsSync(join(arm, 'node-bindings-linux-x64')))
        const x64 = join(assetOf(second, key), 'node_modules/@duckdb')
        assert.equal(elfMachine(join(x64, 'node-bindings-linux-x64/duckdb.node')), 0x3e, key)
      }
      for (const key of ['extract', 'sweep', 'api'] as const)
        assert.ok(!existsSync(join(assetOf(main, key), 'node_modules')))
      assert.ok(existsSync(join(assetOf(main, 'load'), 'sql/warehouse.sql')))
    })

    it('each bundle, run by node as Lambda would, refuses a foreign event before touching anything', () => {
      for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
        const out = execFileSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const { handler } = await import(${JSON.stringify(pathToFileURL(join(assetOf(second, key), 'index.mjs')).href)});
             await handler({ action: 'drop' }).then(() => process.exit(3), (e) => { console.log(e.name + ': ' + e.message); })`,
          ],
          { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmpdir() } },
        )
        assert.match(out, /ConfigError: unrecognised event/, key)
      }
    })

    it('runs the bundled load against a real warehouse: init from the shipped sql, nothing pending, fresh', async (t) => {
      const warehouse = await createTestDatabase('server')
      if (!warehouse) return t.skip('no PostgreSQL server reachable at 127.0.0.1:5432')
      const stores = mkdtempSync(join(tmpdir(), 'bundle-stores-'))
      try {
        const asset = assetOf(second, 'load')
        const out = execFileSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const { handler } = await import(${JSON.stringify(pathToFileURL(join(asset, 'index.mjs')).href)});
             const result = await handler({});
             console.log('RESULT ' + JSON.stringify(result));
             process.exit(0)`,
          ],
          {
            encoding: 'utf8',
            cwd: asset,
            env: {
              PATH: process.env.PATH,
              HOME: tmpdir(),
              WAREHOUSE_DB_URL: warehouse.url,
              INGESTION_STORE: join(stores, 'ingestion'),
              PROCESSED_STORE: join(stores, 'processed'),
              DATA_DIR: join(stores, 'tmp'),
              POWERTOOLS_METRICS_DISABLED: 'true',
            },
          },
        )
        const result = JSON.parse(/RESULT (.*)/.exec(out)?.[1] ?? 'null')
        assert.deepEqual(result, { loaded: [], skipped: [], freshnessLagSeconds: 0 })
        const [ledger] = await warehouse.db.query<{ ok: boolean }>(
          "SELECT to_regclass('etl.load_ledger') IS NOT NULL AS ok",
        )
        assert.equal(ledger?.ok, true)
      } finally {
        await warehouse.drop()
        rmSync(stores, { recursive: true, force: true })
      }
    })
  })

  describe('cdk-nag acknowledgements', () => {
    for (const [variant, of] of [
      ['without a VPC', () => main],
      ['in a VPC', () => vpc],
    ] as const) {
      it(`each suppresses a finding that exists (${variant})`, () => {
        const s = of()
        const findings = findingsOf(s)
        assert.ok(findings.size > 0, 'switching acknowledgements off shows findings')
        const unused = unique(acknowledgementsOf(s.stack)).filter(
          ({ path, id }) => !(findings.get(id) ?? []).some((p) => p === path || p.startsWith(`${path}/`)),
        )
        assert.deepEqual(unused, [])
      })
    }
  })

  it('keeps the stores encrypted, versioned, private, TLS-only and logged, with manifest events on', () => {
    const t = Template.fromStack(main.stack)
    for (const bucket of [main.stack.lake.ingestion, main.stack.lake.processed]) {
      const p =
        main.model.resources[main.stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)]!.Properties
      assert.deepEqual(p.VersioningConfiguration, { Status: 'Enabled' })
      assert.deepEqual(p.NotificationConfiguration, {
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      })
      assert.ok(p.LoggingConfiguration)
    }
    t.resourceCountIs('AWS::S3::Bucket', 3)
    // No custom-resource Lambda: the 3 stages, fx, datasets, the API and the sweep.
    t.resourceCountIs('AWS::Lambda::Function', 7)
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const group = (main.props(key).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref
      assert.equal(main.model.resources[group]!.Properties.RetentionInDays, 30)
    }
  })
})

describe('EtlStack with -c extractMode=logical', () => {
  it('passes cdk-nag with the logical-CDC pieces: the extract in logical mode, a retained-WAL alarm to the topic after a warm-up, tombstones granted', () => {
    const s = synth('TotesysEtlLogical', {}, false, undefined, { extractMode: 'logical' })
    try {
      assert.equal(s.env('extract').EXTRACT_MODE, 'logical')
      const alarms = s.model.ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties)
      const wal = alarms.find((a) => a.MetricName === METRIC_NAMES.retainedWalBytes)
      assert.ok(wal, 'no retained-WAL alarm')
      assert.equal((wal.AlarmActions as unknown[]).length, 1)
      for (const a of alarms.filter((x) => x.TreatMissingData === 'breaching'))
        assert.ok(
          (a.WarmUpConfiguration as { WarmUpPeriodDurationInMinutes: number } | undefined)
            ?.WarmUpPeriodDurationInMinutes !== undefined,
          `${String(a.MetricName)} breaches on missing data without a warm-up`,
        )
      const ing = `arn:aws:s3:::${s.stack.getLogicalId(s.stack.lake.ingestion.node.defaultChild as s3.CfnBucket).toLowerCase()}`
      const tomb = `${ing}/_deletes/payment/year=2026/month=11/day=30/0000000002-a.csv.gz`
      assert.ok(allows(s.statements('extract'), { action: 's3:PutObject', resource: tomb }))
      assert.ok(allows(s.statements('load'), { action: 's3:GetObject', resource: tomb }))
      assert.ok(!allows(s.statements('load'), { action: 's3:DeleteObject', resource: tomb }))
    } finally {
      rmSync(s.outdir, { recursive: true, force: true })
    }
  })
})

describe('cdk-nag in this suite', () => {
  it('fails a synth on an unacknowledged finding', () => {
    const app = new App()
    const stack = new Stack(app, 'Careless')
    new s3.Bucket(stack, 'Open', { enforceSSL: false })
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
    assert.throws(() => app.synth(), /Validation failed/)
  })
})
