/**
 * The CDK app: `npm run synth` (offline: local esbuild, no Docker, no AWS calls) and scripts/deploy.mjs
 * run it. Network and sandbox settings come from CDK context (`-c key=value` or cdk.json):
 *   stackName (default TotesysEtl), vpcId + subnetIds + securityGroupIds (comma lists; databases in a VPC),
 *   sandbox=true (buckets deleted with the stack), logRetentionDays (default 30), duckdbArchitecture (arm64,
 *   the default, or x86_64: the functions that ship DuckDB).
 * cdk-nag's AwsSolutions pack checks every resource; a finding fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { appProps } from '../lib/app-props.ts'
import { EtlStack } from '../lib/etl-stack.ts'

const app = new App()
const { stackName, props } = appProps((key) => app.node.tryGetContext(key))
new EtlStack(app, stackName, props)
Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
app.synth()
