#!/usr/bin/env node
// Removes the stack: `npm run destroy [-- --stack-name NAME] [--delete-secrets]`. The data buckets are
// kept (RemovalPolicy RETAIN) unless the stack was deployed with --sandbox; the secrets are kept unless
// --delete-secrets is given (they are deleted without a recovery window: a sandbox rebuild can reuse the names).
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    'stack-name': { type: 'string', default: 'TotesysEtl' },
    'delete-secrets': { type: 'boolean', default: false },
  },
})
const stack = values['stack-name']
const result = spawnSync(
  'npx',
  ['cdk', 'destroy', stack, '--force', '--no-notices', '-c', `stackName=${stack}`],
  {
    stdio: 'inherit',
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
  },
)
if (result.status !== 0) process.exit(result.status ?? 1)
if (values['delete-secrets']) {
  const sdk = await import('@aws-sdk/client-secrets-manager')
  const client = new sdk.SecretsManagerClient({})
  const names = ['totesys-db', 'warehouse-db', 'warehouse-api-db', 'warehouse-fx-db', 'warehouse-datasets-db']
  for (const name of names.map((n) => `${stack}/${n}`)) {
    try {
      await client.send(new sdk.DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }))
      console.log(`secret ${name}: deleted`)
    } catch (error) {
      if (error?.name !== 'ResourceNotFoundException') throw error
    }
  }
}
