/** The CDK context the app reads, and the deploy script's plan (its --dry-run touches no AWS). */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'node:test'
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
  it('plans secrets from the environment, bootstrap and deploy, without printing a secret', () => {
    const out = execFileSync(
      process.execPath,
      [
        'scripts/deploy.mjs',
        '--dry-run',
        '--alert-email',
        'ops@example.com',
        '--sandbox',
        '--param',
        'ExtractEveryMinutes=2',
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          TOTESYS_DB_URL: 'postgres://etl:hunter2@source:5432/totesys',
          WAREHOUSE_DB_SECRET_JSON: '{"host":"wh","username":"etl","password":"hunter3"}',
          TOTESYS_ETL_VPC_ID: 'vpc-1',
          TOTESYS_ETL_SUBNET_IDS: 'subnet-a,subnet-b',
          TOTESYS_ETL_SECURITY_GROUP_IDS: 'sg-1',
        },
      },
    )
    assert.match(out, /secret TotesysEtl\/totesys-db: create or update/)
    assert.match(out, /secret TotesysEtl\/warehouse-db: create or update/)
    assert.match(out, /cdk bootstrap/)
    assert.match(out, /cdk deploy TotesysEtl --require-approval never/)
    assert.match(
      out,
      /-c sandbox=true -c vpcId=vpc-1 -c subnetIds=subnet-a,subnet-b -c securityGroupIds=sg-1/,
    )
    assert.match(out, /--parameters AlertEmail=ops@example.com --parameters ExtractEveryMinutes=2/)
    assert.ok(!out.includes('hunter2') && !out.includes('hunter3'))
  })

  it('refuses a database URL that is not postgres://', () => {
    assert.throws(() =>
      execFileSync(process.execPath, ['scripts/deploy.mjs', '--dry-run'], {
        encoding: 'utf8',
        stdio: 'pipe',
        env: { PATH: process.env.PATH, WAREHOUSE_DB_URL: 'mysql://x' },
      }),
    )
  })
})
