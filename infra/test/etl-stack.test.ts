/**
 * The stack as CloudFormation: every resource and wiring issue 6 asks for, cdk-nag's AwsSolutions pack
 * with no unacknowledged finding, and the bundles themselves (they load, DuckDB and sql/ are shipped).
 * One full synth (with esbuild bundling) for the default stack; the VPC variant skips bundling.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { App, Stack, Validations } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as s3 from 'aws-cdk-lib/aws-s3'
import { AwsSolutionsChecks } from 'cdk-nag'
import { METRIC_NAMES, METRIC_NAMESPACE } from '../../src/core/metric-names.ts'
import { WAREHOUSE_CATALOGUE, WAREHOUSE_TABLES } from '../../src/core/warehouse-catalogue.ts'
import { EXTENSION_METRICS } from '../../src/extensions/extension-metrics.ts'
import { createTestDatabase } from '../../test/support/databases.ts'
import { GLUE_DATABASE_NAME } from '../lib/data-lake.ts'
import { EtlStack } from '../lib/etl-stack.ts'
import { toGlueType } from '../lib/glue-columns.ts'

type Resource = {
  Type: string
  Properties: Record<string, unknown>
  Condition?: string
  Metadata?: Record<string, string>
}

interface GlueTableInput {
  Name: string
  Parameters: Record<string, string>
  PartitionKeys: { Name: string }[]
  StorageDescriptor: {
    Columns: { Name: string; Type: string }[]
    Location: unknown
    SerdeInfo: { SerializationLibrary: string }
  }
}

const STAGES = ['extract', 'transform', 'load'] as const
type Stage = (typeof STAGES)[number]

describe('EtlStack', () => {
  let outdir: string
  let template: Template
  let resources: Record<string, Resource>
  const fnId = {} as Record<Stage, string>
  const roleId = {} as Record<Stage, string>
  let ingestionId: string
  let processedId: string

  before(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'))
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } })
    const stack = new EtlStack(app, 'TotesysEtl')
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
    // Throws on any cdk-nag finding that is not acknowledged with a reason.
    app.synth()
    template = Template.fromStack(stack)
    resources = template.toJSON().Resources
    for (const stage of STAGES) {
      const [id, fn] =
        Object.entries(resources).find(
          ([, r]) =>
            r.Type === 'AWS::Lambda::Function' &&
            String(r.Properties.Description).startsWith(
              `totesys-etl: ${stage === 'extract' ? 'one incremental extract' : stage === 'transform' ? 'every pending ingestion' : 'every pending processed'}`,
            ),
        ) ?? assert.fail(`no ${stage} function`)
      fnId[stage] = id
      roleId[stage] = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!
    }
    ingestionId = stack.getLogicalId(stack.lake.ingestion.node.defaultChild as s3.CfnBucket)
    processedId = stack.getLogicalId(stack.lake.processed.node.defaultChild as s3.CfnBucket)
  })
  after(() => rmSync(outdir, { recursive: true, force: true }))

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type)
  /** The role of the function whose description contains `text`. */
  const roleOf = (text: string) => {
    const [, fn] =
      ofType('AWS::Lambda::Function').find(([, r]) => String(r.Properties.Description).includes(text)) ??
      assert.fail(`no function described '${text}'`)
    return (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!
  }
  const policiesOf = (role: string) =>
    ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
      .map(([, p]) => JSON.stringify(p.Properties.PolicyDocument))
      .join('\n')

  it('keeps both stores encrypted, versioned, private, TLS-only, logged and tiered, with manifest events on', () => {
    for (const id of [ingestionId, processedId]) {
      const p = resources[id]!.Properties
      assert.deepEqual(p.VersioningConfiguration, { Status: 'Enabled' })
      assert.deepEqual(p.BucketEncryption, {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      })
      assert.deepEqual(p.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      })
      assert.deepEqual(p.NotificationConfiguration, {
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      })
      assert.ok(p.LoggingConfiguration)
      const rules = (p.LifecycleConfiguration as { Rules: { Id: string }[] }).Rules.map((r) => r.Id)
      assert.ok(rules.includes('expire-old-versions') && rules.includes('tier-old-batches'), rules.join())
    }
    const quarantine = (
      resources[ingestionId]!.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }
    ).Rules.find((r) => r.Id === 'expire-quarantine')
    assert.equal(quarantine?.Prefix, '_quarantine/')
    template.resourceCountIs('AWS::S3::Bucket', 3)
    template.resourceCountIs('AWS::S3::BucketPolicy', 3)
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ingestionId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    })
    // No custom-resource Lambda (what eventBridgeEnabled would add): the 3 stages, the 3 extensions, the sweep.
    template.resourceCountIs('AWS::Lambda::Function', 7)
  })

  it('runs the three stages on Node.js 24, extract on arm64, DuckDB stages on x86_64, with retries into the DLQ', () => {
    const arch = { extract: 'arm64', transform: 'x86_64', load: 'x86_64' }
    const [dlqId] = ofType('AWS::SQS::Queue').map(([id]) => id)
    for (const stage of STAGES) {
      const p = resources[fnId[stage]]!.Properties
      assert.equal(p.Runtime, 'nodejs24.x')
      assert.deepEqual(p.Architectures, [arch[stage]])
      assert.deepEqual(p.DeadLetterConfig, { TargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } })
      const env = (p.Environment as { Variables: Record<string, unknown> }).Variables
      assert.deepEqual(env.INGESTION_STORE, { 'Fn::Join': ['', ['s3://', { Ref: ingestionId }]] })
      assert.equal(env.DATA_DIR, '/tmp/totesys-etl')
      assert.equal(env.HOME, '/tmp')
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fnId[stage] },
        MaximumRetryAttempts: 2,
      })
    }
    const env = (stage: Stage) =>
      (resources[fnId[stage]]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables
    assert.deepEqual(env('extract').TOTESYS_DB_SECRET_ARN, { Ref: 'TotesysDbSecretArn' })
    assert.deepEqual(env('load').WAREHOUSE_DB_SECRET_ARN, { Ref: 'WarehouseDbSecretArn' })
    assert.equal(env('transform').TOTESYS_DB_SECRET_ARN, undefined)
    assert.equal(env('transform').WAREHOUSE_DB_SECRET_ARN, undefined)
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    })
  })

  it('wakes the extract on the schedule parameter, the transform and load on manifests, the load on a safety schedule', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties)
    const targetOf = (r: Record<string, unknown>) =>
      (r.Targets as { Arn: unknown; RetryPolicy?: unknown; DeadLetterConfig?: unknown }[])[0]!
    const to = (stage: Stage) =>
      rules.filter(
        (r) => JSON.stringify(targetOf(r).Arn) === JSON.stringify({ 'Fn::GetAtt': [fnId[stage], 'Arn'] }),
      )
    const cron = (param: string) => ({ 'Fn::Join': ['', ['cron(0/', { Ref: param }, ' * * * ? *)']] })
    assert.deepEqual(
      to('extract').map((r) => r.ScheduleExpression),
      [cron('ExtractEveryMinutes')],
    )
    const manifestPattern = (bucket: string) => ({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: bucket }] }, object: { key: [{ prefix: '_manifests/' }] } },
    })
    assert.deepEqual(
      to('transform').map((r) => r.EventPattern),
      [manifestPattern(ingestionId)],
    )
    const load = to('load')
    assert.deepEqual(load.map((r) => r.EventPattern).filter(Boolean), [manifestPattern(processedId)])
    assert.deepEqual(load.map((r) => r.ScheduleExpression).filter(Boolean), [cron('LoadSafetyEveryMinutes')])
    for (const r of rules) {
      assert.deepEqual(targetOf(r).RetryPolicy, { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 })
      assert.ok(targetOf(r).DeadLetterConfig)
    }
    template.hasParameter('ExtractEveryMinutes', { Type: 'Number', Default: 1 })
    // EventBridge may invoke each function (and only from its rules).
    for (const stage of STAGES) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [fnId[stage], 'Arn'] },
        Principal: 'events.amazonaws.com',
      })
    }
  })

  it('lets exactly the extract read the source secret and exactly the load read the warehouse secret', () => {
    const readers = (param: string) =>
      ofType('AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes(`{"Ref":"${param}"}`))
        .map(([, p]) => JSON.stringify(p.Properties.Roles))
    assert.deepEqual(readers('TotesysDbSecretArn'), [JSON.stringify([{ Ref: roleId.extract }])])
    // The load, and the extensions that read the warehouse (api, fx, datasets: see infra/test/extensions.test.ts).
    const extensionRoles = ['the payments API', 'daily FX rates', 'new JSON dataset'].map((d) =>
      JSON.stringify([{ Ref: roleOf(d) }]),
    )
    assert.deepEqual(
      readers('WarehouseDbSecretArn').sort(),
      [JSON.stringify([{ Ref: roleId.load }]), ...extensionRoles].sort(),
    )
    assert.ok(policiesOf(roleId.extract).includes('secretsmanager:GetSecretValue'))
    assert.ok(!policiesOf(roleId.transform).includes('secretsmanager'))
  })

  it('grants each stage only the stores it touches', () => {
    const extract = policiesOf(roleId.extract)
    assert.ok(extract.includes(ingestionId) && !extract.includes(processedId))
    const load = policiesOf(roleId.load)
    assert.ok(
      !load.includes('s3:PutObject') && !load.includes('s3:DeleteObject'),
      'the load writes no bucket',
    )
    assert.ok(load.includes('/_manifests/*'), 'the load reads only ingestion manifests')
    const transform = policiesOf(roleId.transform)
    assert.ok(transform.includes('/_quarantine/*') && transform.includes('/_schemas/*'))
    // No role may use a managed policy (logs are granted on the function's own group).
    for (const stage of STAGES)
      assert.equal(resources[roleId[stage]]!.Properties.ManagedPolicyArns, undefined)
  })

  it('keeps logs with retention and counts logged errors per stage', () => {
    for (const stage of STAGES) {
      const p = resources[fnId[stage]]!.Properties
      const group = (p.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref
      assert.equal(resources[group]!.Properties.RetentionInDays, 30)
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: group },
        FilterPattern: '{ ($.level = "ERROR") || ($.level = "CRITICAL") }',
        MetricTransformations: [Match.objectLike({ MetricNamespace: METRIC_NAMESPACE, MetricValue: '1' })],
      })
    }
  })

  it('sends every alarm to the encrypted SNS topic, which mails the AlertEmail parameter', () => {
    const [topicId, topic] = ofType('AWS::SNS::Topic')[0]!
    assert.ok(topic.Properties.KmsMasterKeyId)
    const alarms = ofType('AWS::CloudWatch::Alarm')
    // 4 per stage (errors, throttles, duration, logged errors) + freshness, no extract, quarantine, DLQ;
    // the extensions add 4 per function and 4 of their own (api 5xx, no FX run, FX and dataset quarantine);
    // the sweep 4 more.
    assert.equal(alarms.length, 36)
    for (const [, a] of alarms) assert.deepEqual(a.Properties.AlarmActions, [{ Ref: topicId }])
    template.hasResource('AWS::SNS::Subscription', {
      Condition: Match.anyValue(),
      Properties: { Protocol: 'email', Endpoint: { Ref: 'AlertEmail' }, TopicArn: { Ref: topicId } },
    })
    const byMetric = (name: string) =>
      alarms.find(([, a]) => a.Properties.MetricName === name)?.[1].Properties
    assert.deepEqual(
      [
        byMetric(METRIC_NAMES.freshnessLagSeconds)?.Threshold,
        byMetric(METRIC_NAMES.freshnessLagSeconds)?.Namespace,
      ],
      [{ Ref: 'FreshnessThresholdSeconds' }, METRIC_NAMESPACE],
    )
    template.hasParameter('FreshnessThresholdSeconds', { Default: 600 })
    const noExtract = byMetric(METRIC_NAMES.extractSucceeded)
    assert.deepEqual(
      [noExtract?.EvaluationPeriods, noExtract?.TreatMissingData],
      [{ Ref: 'NoExtractAlarmMinutes' }, 'breaching'],
    )
    assert.ok(byMetric(METRIC_NAMES.quarantinedRows))
    assert.ok(byMetric('ApproximateNumberOfMessagesVisible'))
    const durations = alarms
      .filter(([, a]) => a.Properties.MetricName === 'Duration')
      .map(([, a]) => a.Properties.Threshold)
    // 80 % of the timeouts: extract, transform, load; api (30 s), fx (5 min), datasets and sweep (10 min).
    assert.deepEqual(
      durations.sort((a, b) => Number(a) - Number(b)),
      [24000, 240000, 240000, 480000, 480000, 480000, 480000],
    )
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1)
  })

  it('catalogues every processed table in Glue as partitioned parquet with catalogue-derived columns', () => {
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: GLUE_DATABASE_NAME } })
    const tables = ofType('AWS::Glue::Table').map(([, t]) => t.Properties.TableInput as GlueTableInput)
    assert.deepEqual(tables.map((t) => t.Name).sort(), [...WAREHOUSE_TABLES].sort())
    for (const t of tables) {
      const table = t.Name as keyof typeof WAREHOUSE_CATALOGUE
      assert.deepEqual(
        t.StorageDescriptor.Columns,
        WAREHOUSE_CATALOGUE[table].columns.map((c) => ({ Name: c.name, Type: toGlueType(c.type) })),
      )
      assert.deepEqual(
        t.PartitionKeys.map((k) => k.Name),
        ['year', 'month', 'day'],
      )
      assert.equal(t.Parameters.classification, 'parquet')
      assert.match(t.StorageDescriptor.SerdeInfo.SerializationLibrary, /ParquetHiveSerDe/)
      assert.deepEqual(t.StorageDescriptor.Location, {
        'Fn::Join': ['', ['s3://', { Ref: processedId }, `/${table}/`]],
      })
    }
    const sales = tables.find((t) => t.Name === 'fact_sales_order')!.StorageDescriptor.Columns
    assert.deepEqual(
      ['unit_price', 'created_time', 'created_date', 'units_sold'].map(
        (n) => sales.find((c) => c.Name === n)?.Type,
      ),
      ['decimal(10,2)', 'string', 'date', 'int'],
    )
  })

  it('ships the bundles: DuckDB for transform and load, sql/ for the load, and each bundle loads', async () => {
    const assetOf = (stage: Stage) => join(outdir, resources[fnId[stage]]!.Metadata!['aws:asset:path']!)
    for (const stage of ['transform', 'load'] as const) {
      assert.ok(existsSync(join(assetOf(stage), 'node_modules/@duckdb/node-bindings-linux-x64')), stage)
    }
    assert.ok(!existsSync(join(assetOf('extract'), 'node_modules')))
    assert.ok(existsSync(join(assetOf('load'), 'sql/warehouse.sql')))
    // Each bundle, run by node as Lambda would, refuses a foreign event before touching anything.
    for (const stage of STAGES) {
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { handler } = await import(${JSON.stringify(pathToFileURL(join(assetOf(stage), 'index.mjs')).href)});
           await handler({ action: 'drop' }).then(() => process.exit(3), (e) => { console.log(e.name + ': ' + e.message); })`,
        ],
        { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmpdir() } },
      )
      assert.match(out, /ConfigError: unrecognised event/, stage)
    }
  })

  it('serves the payments API through an IAM-authenticated function URL that reads only the warehouse secret', () => {
    const role = roleOf('the payments API')
    const [apiId] = ofType('AWS::Lambda::Function').find(([, r]) =>
      String(r.Properties.Description).includes('the payments API'),
    )!
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [apiId, 'Arn'] },
    })
    const policies = policiesOf(role)
    assert.ok(policies.includes('secretsmanager:GetSecretValue') && policies.includes('WarehouseDbSecretArn'))
    assert.ok(!policies.includes('s3:'), 'the API touches no bucket')
    assert.ok(!policies.includes('TotesysDbSecretArn'))
    const env = (resources[apiId]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables
    assert.deepEqual(env.WAREHOUSE_DB_SECRET_ARN, { Ref: 'WarehouseDbSecretArn' })
    assert.ok(Object.keys(template.toJSON().Outputs).some((k) => k.includes('ApiUrl')))
  })

  it('runs FX daily and the datasets on their schedule, each writing only its own prefix of the lake', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties)
    const fnOf = (text: string) =>
      ofType('AWS::Lambda::Function').find(([, r]) => String(r.Properties.Description).includes(text))![0]
    const scheduleOf = (text: string) =>
      rules
        .filter(
          (r) =>
            JSON.stringify((r.Targets as { Arn: unknown }[])[0]!.Arn) ===
            JSON.stringify({ 'Fn::GetAtt': [fnOf(text), 'Arn'] }),
        )
        .map((r) => r.ScheduleExpression)
    assert.deepEqual(scheduleOf('daily FX rates'), ['cron(30 16 * * ? *)'])
    assert.deepEqual(scheduleOf('new JSON dataset'), [
      { 'Fn::Join': ['', ['cron(0/', { Ref: 'DatasetsEveryMinutes' }, ' * * * ? *)']] },
    ])
    for (const [text, prefix] of [
      ['daily FX rates', 'ext/fx/*'],
      ['new JSON dataset', 'ext/datasets/*'],
    ] as const) {
      const policies = policiesOf(roleOf(text))
      const objects = [...policies.matchAll(/"Arn"\]\},"\/([^"]*)"/g)].map((m) => m[1])
      assert.ok(objects.length > 0)
      for (const object of objects) assert.equal(object, prefix, `${text} may touch only ${prefix}`)
    }
    const datasets = fnOf('new JSON dataset')
    const env = (resources[datasets]!.Properties.Environment as { Variables: Record<string, unknown> })
      .Variables
    assert.deepEqual(env.DATASETS, { Ref: 'DatasetsConfig' })
    // Read access to the datasets' source bucket exists only when a bucket is given.
    const [, source] = ofType('AWS::IAM::Policy').find(([id]) => id.includes('DatasetsSourceRead'))!
    assert.ok(source.Condition)
    assert.match(JSON.stringify(source.Properties.PolicyDocument), /DatasetsSourceBucket/)
    assert.doesNotMatch(JSON.stringify(source.Properties.PolicyDocument), /s3:PutObject|s3:DeleteObject/)
  })

  it('sweeps orphan files weekly with a role that reads and deletes in both buckets and writes nothing', () => {
    const [sweepId, sweepFn] =
      ofType('AWS::Lambda::Function').find(([, r]) =>
        String(r.Properties.Description).includes('orphan data files'),
      ) ?? assert.fail('no sweep function')
    const schedules = ofType('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .filter(
        (r) =>
          JSON.stringify((r.Targets as { Arn: unknown }[])[0]!.Arn) ===
          JSON.stringify({ 'Fn::GetAtt': [sweepId, 'Arn'] }),
      )
      .map((r) => r.ScheduleExpression)
    assert.deepEqual(schedules, ['cron(0 3 ? * SUN *)'])
    const policies = policiesOf(roleOf('orphan data files'))
    assert.ok(policies.includes(ingestionId) && policies.includes(processedId))
    assert.ok(policies.includes('s3:DeleteObject'))
    assert.ok(!policies.includes('s3:PutObject'), 'the sweep writes no object')
    assert.ok(!policies.includes('secretsmanager'), 'the sweep reads no secret')
    const env = (sweepFn.Properties.Environment as { Variables: Record<string, unknown> }).Variables
    assert.ok(env.INGESTION_STORE && env.PROCESSED_STORE)
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([id]) => id)
    assert.ok(alarms.some((id) => id.includes('SweepErrors')))
  })

  it('alarms on the extensions: failures, no FX run for a day, held FX answers and dataset files, API 5xx', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties)
    const byMetric = (name: string) => alarms.find((a) => a.MetricName === name)
    const noFx = byMetric(EXTENSION_METRICS.fxSucceeded)
    assert.deepEqual(
      [
        noFx?.Namespace,
        noFx?.Period,
        noFx?.EvaluationPeriods,
        noFx?.TreatMissingData,
        noFx?.ComparisonOperator,
      ],
      [METRIC_NAMESPACE, 3600, 25, 'breaching', 'LessThanThreshold'],
    )
    assert.ok(byMetric(EXTENSION_METRICS.fxQuarantined))
    assert.ok(byMetric(EXTENSION_METRICS.datasetQuarantined))
    assert.ok(byMetric('Url5xxCount'))
    for (const name of ['ApiLoggedErrors', 'FxLoggedErrors', 'DatasetsLoggedErrors'])
      assert.ok(byMetric(name), name)
    const errors = alarms.filter((a) => a.MetricName === 'Errors').length
    assert.equal(errors, 7, 'an errors alarm per function')
  })

  it('ships the extension and sweep bundles: DuckDB for fx and datasets, and each refuses a foreign event', () => {
    const assetOf = (text: string) => {
      const [, fn] = ofType('AWS::Lambda::Function').find(([, r]) =>
        String(r.Properties.Description).includes(text),
      )!
      return join(outdir, fn.Metadata!['aws:asset:path']!)
    }
    for (const text of ['daily FX rates', 'new JSON dataset'])
      assert.ok(existsSync(join(assetOf(text), 'node_modules/@duckdb/node-bindings-linux-x64')), text)
    for (const text of ['the payments API', 'orphan data files'])
      assert.ok(!existsSync(join(assetOf(text), 'node_modules')), text)
    for (const text of ['the payments API', 'daily FX rates', 'new JSON dataset', 'orphan data files']) {
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { handler } = await import(${JSON.stringify(pathToFileURL(join(assetOf(text), 'index.mjs')).href)});
           await handler({ action: 'drop' }).then(() => process.exit(3), (e) => { console.log(e.name + ': ' + e.message); })`,
        ],
        { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmpdir() } },
      )
      assert.match(out, /ConfigError: unrecognised event/, text)
    }
  })

  it('runs the bundled load against a real warehouse: init from the shipped sql, nothing pending, fresh', async (t) => {
    const warehouse = await createTestDatabase('server')
    if (!warehouse) return t.skip('no PostgreSQL server reachable at 127.0.0.1:5432')
    const stores = mkdtempSync(join(tmpdir(), 'bundle-stores-'))
    try {
      const asset = join(outdir, resources[fnId.load]!.Metadata!['aws:asset:path']!)
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

describe('EtlStack in a VPC', () => {
  it('puts the database stages in the given subnets and security groups, and stays cdk-nag clean', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } })
    const stack = new EtlStack(app, 'TotesysEtlVpc', {
      network: { vpcId: 'vpc-0abc', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] },
    })
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
    app.synth()
    const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
    const inVpc = functions.filter((f) => f.Properties.VpcConfig).map((f) => f.Properties.VpcConfig)
    assert.equal(
      inVpc.length,
      5,
      'extract, load and the three extensions join the VPC; transform needs no database',
    )
    for (const config of inVpc)
      assert.deepEqual(config, { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] })
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
