/**
 * Every cdk-nag (and CloudFormation validation) acknowledgement in the stack suppresses a finding that
 * exists: the stack is synthesized once as it is and once with acknowledgements switched off, and each
 * acknowledgement must match a finding of that rule on its construct or below. An acknowledgement left
 * behind when the code it excused changed (like the one for a VPC managed policy no role ever had) fails.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { EtlStack, type EtlStackProps } from '../lib/etl-stack.ts'

interface Violation {
  readonly ruleName: string
  readonly violatingConstructs: { readonly constructPath: string }[]
}

/** The acknowledgements of a synthesized stack: construct path and rule id. */
function acknowledgementsOf(props: EtlStackProps): { path: string; id: string }[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } })
  const stack = new EtlStack(app, 'TotesysEtl', props)
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
  app.synth()
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

/** The findings with every acknowledgement switched off, as `<plugin rule id>` → construct paths. */
function findingsOf(props: EtlStackProps): Map<string, string[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'nag-'))
  const proto = Object.getPrototypeOf(Validations.of(new App())) as { acknowledge: unknown }
  const acknowledge = proto.acknowledge
  proto.acknowledge = () => {}
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } })
    new EtlStack(app, 'TotesysEtl', props)
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
    assert.throws(() => app.synth(), /Validation failed/)
  } finally {
    proto.acknowledge = acknowledge
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; violations: Violation[] }[]
  }
  rmSync(outdir, { recursive: true, force: true })
  const findings = new Map<string, string[]>()
  for (const plugin of report.pluginReports) {
    for (const v of plugin.violations) {
      const id =
        plugin.pluginName === 'AwsSolutions'
          ? v.ruleName
          : `${plugin.pluginName.replaceAll(' ', '-')}::${v.ruleName}`
      findings.set(id, [...(findings.get(id) ?? []), ...v.violatingConstructs.map((c) => c.constructPath)])
    }
  }
  return findings
}

const unique = (acks: { path: string; id: string }[]) => [
  ...new Map(acks.map((a) => [`${a.path} ${a.id}`, a])).values(),
]

describe('cdk-nag acknowledgements', () => {
  const variants: [string, EtlStackProps][] = [
    ['without a VPC', {}],
    [
      'in a VPC',
      {
        network: {
          vpcId: 'vpc-0a1b2c3d4e5f60718',
          subnetIds: ['subnet-0a1b2c3d4e5f60718'],
          securityGroupIds: ['sg-0a1b2c3d4e5f60718'],
        },
      },
    ],
  ]
  for (const [name, props] of variants) {
    it(`each suppresses a finding that exists (${name})`, () => {
      const findings = findingsOf(props)
      assert.ok(findings.size > 0, 'switching acknowledgements off shows findings')
      const unused = unique(acknowledgementsOf(props)).filter(
        ({ path, id }) => !(findings.get(id) ?? []).some((p) => p === path || p.startsWith(`${path}/`)),
      )
      assert.deepEqual(unused, [])
    })
  }
})
