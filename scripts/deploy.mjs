#!/usr/bin/env node
// Deploys the stack into the account and region of the current AWS credentials (bootstrapped once, by hand:
// docs/DEPLOY.md). Run through `npm run deploy` (node --import tsx, to check secrets with src/io/secrets.ts):
//   TOTESYS_DB_URL=… WAREHOUSE_DB_URL=… WAREHOUSE_API_DB_URL=… WAREHOUSE_FX_DB_URL=… \
//   WAREHOUSE_DATASETS_DB_URL=… npm run deploy -- --alert-email you@example.com
// 1. checks each database secret given in the environment (<NAME>_URL, or RDS-style JSON in
//    <NAME>_SECRET_JSON; unset = keep the stored value) the way the functions will read it, and refuses a
//    bad one before storing anything (values are never printed),
// 2. creates or updates the secrets <stack>/<name>, 3. deploys, passing their ARNs, 4. prints the outputs.
// Options: --stack-name NAME, --sandbox (buckets deleted with the stack), --param Name=Value (any stack
// parameter, repeatable), --dry-run (print the plan, touch nothing).
// Network (databases in a VPC): TOTESYS_ETL_VPC_ID, TOTESYS_ETL_SUBNET_IDS, TOTESYS_ETL_SECURITY_GROUP_IDS.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { toDatabaseUrl } from '../src/io/secrets.ts'

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

/** The stack parameter of each secret, the environment prefix it comes from, and its name suffix. */
const SECRETS = [
  { param: 'TotesysDbSecretArn', prefix: 'TOTESYS_DB', name: 'totesys-db' },
  { param: 'WarehouseDbSecretArn', prefix: 'WAREHOUSE_DB', name: 'warehouse-db' },
  { param: 'ApiDbSecretArn', prefix: 'WAREHOUSE_API_DB', name: 'warehouse-api-db' },
  { param: 'FxDbSecretArn', prefix: 'WAREHOUSE_FX_DB', name: 'warehouse-fx-db' },
  { param: 'DatasetsDbSecretArn', prefix: 'WAREHOUSE_DATASETS_DB', name: 'warehouse-datasets-db' },
]

function fail(message) {
  console.error(`deploy: ${message}`)
  process.exit(1)
}

/** The secret's JSON from the environment, checked as the functions will read it, or undefined to keep. */
function secretValue(prefix) {
  const url = env[`${prefix}_URL`]
  const json = env[`${prefix}_SECRET_JSON`]
  if (url && json) fail(`set ${prefix}_URL or ${prefix}_SECRET_JSON, not both`)
  if (!url && !json) return undefined
  const value = url ? JSON.stringify({ url }) : json
  try {
    toDatabaseUrl(value, `${prefix}_${url ? 'URL' : 'SECRET_JSON'}`)
  } catch (error) {
    // The message names the field at fault, never a value.
    fail(error instanceof Error ? error.message : String(error))
  }
  return value
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
  if (result.status !== 0) {
    console.error(
      'deploy: cdk deploy failed (a message about the bootstrap stack or SSM parameter /cdk-bootstrap/…: bootstrap the account once, docs/DEPLOY.md)',
    )
    process.exit(result.status ?? 1)
  }
}

// Every value is checked before any is stored: a bad one changes nothing.
const planned = SECRETS.map((s) => ({ ...s, secretName: `${stack}/${s.name}`, value: secretValue(s.prefix) }))
const arns = {}
if (dryRun) {
  for (const s of planned) {
    console.log(`secret ${s.secretName}: ${s.value === undefined ? 'keep' : 'create or update'}`)
    arns[s.param] = `<arn of ${s.secretName}>`
  }
} else {
  const sdk = await import('@aws-sdk/client-secrets-manager')
  const client = new sdk.SecretsManagerClient({})
  for (const s of planned) arns[s.param] = await ensureSecret(client, sdk, s.secretName, s.value)
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
  if (values['alert-email'])
    console.log(
      `\nconfirm the subscription mail sent to ${values['alert-email']}: until then no alarm reaches you`,
    )
}
