/** The CDK context the app reads, and the deploy script's plan (its --dry-run touches no AWS). */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { RUN_TS } from '../../test/support/run-ts.ts'
import { appProps } from '../lib/app-props.ts'

const contextOf = (values: Record<string, unknown>) => (key: string) => values[key]

describe('appProps', () => {
  it('defaults to a kept, VPC-less stack named TotesysEtl with 30-day logs', () => {
    const { stackName, props } = appProps(contextOf({}))
    assert.equal(stackName, 'TotesysEtl')
    assert.equal(props.destroyDataWithStack, false)
    assert.equal(props.logRetention, 30)
    assert.equal(props.network, undefined)
  })

  it('reads a sandbox and a VPC given as comma lists', () => {
    const { props } = appProps(
      contextOf({
        sandbox: 'true',
        vpcId: 'vpc-1',
        subnetIds: 'subnet-a, subnet-b',
        securityGroupIds: 'sg-1',
      }),
    )
    assert.equal(props.destroyDataWithStack, true)
    assert.deepEqual(props.network, {
      vpcId: 'vpc-1',
      subnetIds: ['subnet-a', 'subnet-b'],
      securityGroupIds: ['sg-1'],
    })
  })

  it('refuses half a network and a retention CloudWatch does not offer', () => {
    assert.throws(() => appProps(contextOf({ vpcId: 'vpc-1' })), /needs all of/)
    assert.throws(() => appProps(contextOf({ logRetentionDays: 31 })), /logRetentionDays/)
  })
})

describe('scripts/deploy.mjs --dry-run', () => {
  const deploy = (args: string[], env: Record<string, string>) =>
    execFileSync(process.execPath, [...RUN_TS, 'scripts/deploy.mjs', '--dry-run', ...args], {
      encoding: 'utf8',
      stdio: 'pipe',
      env: { PATH: process.env.PATH, ...env },
    })

  it('plans the five secrets from the environment and a deploy, without bootstrapping or printing a secret', () => {
    const out = deploy(
      ['--alert-email', 'ops@example.com', '--sandbox', '--param', 'ExtractEveryMinutes=2'],
      {
        TOTESYS_DB_URL: 'postgres://etl:hunter2@source:5432/totesys',
        WAREHOUSE_DB_SECRET_JSON: '{"host":"wh","username":"etl","password":"hunter3"}',
        WAREHOUSE_API_DB_URL: 'postgres://totesys_api:hunter4@wh:5432/warehouse',
        TOTESYS_ETL_VPC_ID: 'vpc-1',
        TOTESYS_ETL_SUBNET_IDS: 'subnet-a,subnet-b',
        TOTESYS_ETL_SECURITY_GROUP_IDS: 'sg-1',
      },
    )
    assert.match(out, /secret TotesysEtl\/totesys-db: create or update/)
    assert.match(out, /secret TotesysEtl\/warehouse-db: create or update/)
    assert.match(out, /secret TotesysEtl\/warehouse-api-db: create or update/)
    assert.match(out, /secret TotesysEtl\/warehouse-fx-db: keep/)
    assert.match(out, /secret TotesysEtl\/warehouse-datasets-db: keep/)
    assert.doesNotMatch(out, /bootstrap/)
    assert.match(out, /cdk deploy TotesysEtl --require-approval never/)
    assert.match(
      out,
      /-c sandbox=true -c vpcId=vpc-1 -c subnetIds=subnet-a,subnet-b -c securityGroupIds=sg-1/,
    )
    for (const param of [
      'TotesysDbSecretArn',
      'WarehouseDbSecretArn',
      'ApiDbSecretArn',
      'FxDbSecretArn',
      'DatasetsDbSecretArn',
    ])
      assert.match(out, new RegExp(`--parameters ${param}=<arn of `))
    assert.match(out, /--parameters AlertEmail=ops@example.com --parameters ExtractEveryMinutes=2/)
    assert.ok(!/hunter[234]/.test(out))
  })

  const refused: [string, Record<string, string>, RegExp][] = [
    ['a URL that is not postgres://', { WAREHOUSE_DB_URL: 'mysql://x' }, /needs "url"/],
    // Issue 12's secret: checked as the functions read it, refused before anything is stored.
    [
      'an RDS secret whose host holds a port',
      { WAREHOUSE_API_DB_SECRET_JSON: '{"host":"db:5432","username":"u","password":"hunter5"}' },
      /"host" holds a port/,
    ],
    ['both forms at once', { TOTESYS_DB_URL: 'postgres://h/d', TOTESYS_DB_SECRET_JSON: '{}' }, /not both/],
  ]
  for (const [name, env, message] of refused) {
    it(`refuses ${name}, saying why, without printing the secret`, () => {
      assert.throws(
        () => deploy([], env),
        (e: { status: number; stderr: string; stdout: string }) =>
          e.status === 1 &&
          message.test(e.stderr) &&
          !/hunter/.test(e.stderr + e.stdout) &&
          !/secret .*:/.test(e.stdout),
      )
    })
  }
})
