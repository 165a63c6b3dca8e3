#!/usr/bin/env node
// Deploys the stack into the account and region of the current AWS credentials, from nothing if need be:
//   TOTESYS_DB_URL=postgres://… WAREHOUSE_DB_URL=postgres://… npm run deploy -- --alert-email you@example.com
// 1. creates or updates the two database secrets from the environment (values never printed; RDS-style
//    JSON in TOTESYS_DB_SECRET_JSON / WAREHOUSE_DB_SECRET_JSON works too; unset = keep the stored value),
// 2. bootstraps CDK in the account/region (a no-op when current), 3. deploys, passing the secret ARNs,
// 4. prints the stack outputs. Options: --stack-name NAME, --sandbox (buckets deleted with the stack),
// --param Name=Value (any stack parameter, repeatable), --dry-run (print the plan, touch nothing).
// Network (databases in a VPC): TOTESYS_ETL_VPC_ID, TOTESYS_ETL_SUBNET_IDS, TOTESYS_ETL_SECURITY_GROUP_IDS.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    'alert-email': { type: 'string', default: '' },
    'stack-name': { type: 'string', default: 'TotesysEtl' },
    sandbox: { type: 'boolean', default: false },
    param: { type: 'string', multiple: true, default: [] },
    'dry-run': { type: 'boolean', default: false },
  },
})
const stack = values['stack-name']
const dryRun = values['dry-run']
const env = process.env

/** The secret's JSON from the environment, or undefined to keep what is stored. */
function secretValue(prefix) {
  const url = env[`${prefix}_URL`]
  const json = env[`${prefix}_SECRET_JSON`]
  if (url && json) fail(`set ${prefix}_URL or ${prefix}_SECRET_JSON, not both`)
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) fail(`${prefix}_URL must be a postgres:// URL`)
    return JSON.stringify({ url })
  }
  if (json) {
    try {
      JSON.parse(json)
    } catch {
      fail(`${prefix}_SECRET_JSON is not JSON`)
    }
    return json
  }
  return undefined
}

function fail(message) {
  console.error(`deploy: ${message}`)
  process.exit(1)
}

async function ensureSecret(client, sdk, name, value) {
  try {
    const found = await client.send(new sdk.DescribeSecretCommand({ SecretId: name }))
    if (value !== undefined)
      await client.send(new sdk.PutSecretValueCommand({ SecretId: found.ARN, SecretString: value }))
    console.log(`secret ${name}: ${value === undefined ? 'kept' : 'updated'}`)
    return found.ARN
  } catch (error) {
    if (error?.name !== 'ResourceNotFoundException') throw error
    if (value === undefined) {
      fail(`secret ${name} does not exist: set its database URL in the environment (see docs/DEPLOY.md)`)
    }
    const made = await client.send(
      new sdk.CreateSecretCommand({
        Name: name,
        SecretString: value,
        Description: `totesys-etl ${stack} database`,
      }),
    )
    console.log(`secret ${name}: created`)
    return made.ARN
  }
}

function run(args) {
  console.log(`$ npx ${args.join(' ')}`)
  if (dryRun) return
  const result = spawnSync('npx', args, {
    stdio: 'inherit',
    env: { ...env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
  })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

const secrets = {
  TotesysDbSecretArn: { name: `${stack}/totesys-db`, value: secretValue('TOTESYS_DB') },
  WarehouseDbSecretArn: { name: `${stack}/warehouse-db`, value: secretValue('WAREHOUSE_DB') },
}
const arns = {}
if (dryRun) {
  for (const [param, s] of Object.entries(secrets)) {
    console.log(`secret ${s.name}: ${s.value === undefined ? 'keep' : 'create or update'}`)
    arns[param] = `<arn of ${s.name}>`
  }
} else {
  const sdk = await import('@aws-sdk/client-secrets-manager')
  const client = new sdk.SecretsManagerClient({})
  for (const [param, s] of Object.entries(secrets))
    arns[param] = await ensureSecret(client, sdk, s.name, s.value)
}

const context = ['-c', `stackName=${stack}`]
if (values.sandbox) context.push('-c', 'sandbox=true')
const network = {
  vpcId: env.TOTESYS_ETL_VPC_ID,
  subnetIds: env.TOTESYS_ETL_SUBNET_IDS,
  securityGroupIds: env.TOTESYS_ETL_SECURITY_GROUP_IDS,
}
for (const [key, value] of Object.entries(network)) if (value) context.push('-c', `${key}=${value}`)

const parameters = [
  ...Object.entries(arns).map(([k, v]) => `${k}=${v}`),
  ...(values['alert-email'] ? [`AlertEmail=${values['alert-email']}`] : []),
  ...values.param,
]
run(['cdk', 'bootstrap', '--no-notices', ...context])
run([
  'cdk',
  'deploy',
  stack,
  '--require-approval',
  'never',
  '--no-notices',
  '--outputs-file',
  'cdk.out/outputs.json',
  ...context,
  ...parameters.flatMap((p) => ['--parameters', p]),
])
if (!dryRun) {
  const outputs = JSON.parse(readFileSync('cdk.out/outputs.json', 'utf8'))[stack] ?? {}
  console.log('\nstack outputs:')
  for (const [key, value] of Object.entries(outputs)) console.log(`  ${key} = ${value}`)
  if (values['alert-email']) console.log(`\nconfirm the subscription mail sent to ${values['alert-email']}`)
}
