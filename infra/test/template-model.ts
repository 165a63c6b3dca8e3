/**
 * A small model of what AWS does with a synthesized template, for the infra tests: resolve intrinsic
 * functions to concrete strings (an account, a region, bucket names made from logical ids), follow
 * references and DependsOn, and evaluate IAM policy statements the way IAM does for the cases the stack
 * uses (Allow/Deny, action and resource wildcards, StringEquals/ArnLike/Bool conditions). It is not IAM:
 * it is exact for these statement shapes and refuses the shapes it does not know.
 */
import assert from 'node:assert/strict'

export type Json = unknown
export interface Resource {
  readonly Type: string
  readonly Properties: Record<string, Json>
  readonly DependsOn?: string | string[]
  readonly Condition?: string
  readonly Metadata?: Record<string, string>
}
export interface TemplateJson {
  readonly Resources: Record<string, Resource>
  readonly Parameters?: Record<string, Record<string, Json>>
  readonly Rules?: Record<string, { RuleCondition?: Json; Assertions: { Assert: Json }[] }>
  readonly Outputs?: Record<string, Json>
}

export const ACCOUNT = '123456789012'
export const REGION = 'eu-west-2'

/** The name a resource gets in the model: its logical id in lower case (buckets, queues, topics). */
const physical = (id: string) => id.toLowerCase()

export class TemplateModel {
  readonly resources: Record<string, Resource>
  constructor(
    readonly template: TemplateJson,
    readonly parameters: Record<string, string> = {},
  ) {
    this.resources = template.Resources
  }

  ofType(type: string): [string, Resource][] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type)
  }

  /** The function whose description contains `text`. */
  functionId(text: string): string {
    const [id] =
      this.ofType('AWS::Lambda::Function').find(([, r]) => String(r.Properties.Description).includes(text)) ??
      assert.fail(`no function described '${text}'`)
    return id
  }

  roleOf(functionId: string): string {
    return (this.resources[functionId]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!
  }

  /** Every policy document attached to a role: inline AWS::IAM::Policy resources and managed policies. */
  policiesOf(roleId: string): { id: string; document: { Statement: Statement[] } }[] {
    const attached = (roles: Json) => JSON.stringify(roles ?? []).includes(`{"Ref":"${roleId}"}`)
    return [
      ...this.ofType('AWS::IAM::Policy').filter(([, p]) => attached(p.Properties.Roles)),
      ...this.ofType('AWS::IAM::ManagedPolicy').filter(([, p]) => attached(p.Properties.Roles)),
    ].map(([id, p]) => ({ id, document: p.Properties.PolicyDocument as { Statement: Statement[] } }))
  }

  /** The statements of every policy of a role, resolved. */
  statementsOf(roleId: string): Statement[] {
    return this.policiesOf(roleId).flatMap((p) => this.resolve(p.document.Statement) as Statement[])
  }

  /** Resolves intrinsic functions to concrete values. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v))
    if (value === null || typeof value !== 'object') return value
    const entries = Object.entries(value as Record<string, Json>)
    if (entries.length === 1) {
      const [key, arg] = entries[0]!
      if (key === 'Ref') return this.ref(arg as string)
      if (key === 'Fn::GetAtt') {
        const [id, attr] = arg as [string, string]
        return this.getAtt(id, attr)
      }
      if (key === 'Fn::Join') {
        const [sep, parts] = arg as [string, Json[]]
        return (this.resolve(parts) as Json[]).map(String).join(sep)
      }
      if (key === 'Fn::Select') {
        const [index, list] = arg as [number, Json]
        return (this.resolve(list) as Json[])[index]
      }
      if (key === 'Fn::Split') {
        const [sep, text] = arg as [string, Json]
        return String(this.resolve(text)).split(sep)
      }
      if (key.startsWith('Fn::')) assert.fail(`the model does not resolve ${key}`)
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]))
  }

  private ref(id: string): string {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': REGION,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'stack',
      'AWS::NoValue': '',
    }
    if (id in pseudo) return pseudo[id]!
    if (this.template.Parameters?.[id]) {
      const given = this.parameters[id] ?? this.template.Parameters[id]!.Default
      return given === undefined ? `<${id}>` : String(given)
    }
    const r = this.resources[id] ?? assert.fail(`Ref to unknown ${id}`)
    switch (r.Type) {
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${REGION}:${ACCOUNT}:${physical(id)}`
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical(id)}`
      default:
        return physical(id)
    }
  }

  private getAtt(id: string, attr: string): string {
    const r = this.resources[id] ?? assert.fail(`GetAtt of unknown ${id}`)
    const name = physical(id)
    const arns: Record<string, string> = {
      'AWS::S3::Bucket': `arn:aws:s3:::${name}`,
      'AWS::SQS::Queue': `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
      'AWS::KMS::Key': `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}`,
      'AWS::Logs::LogGroup': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
      'AWS::Lambda::Function': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      'AWS::IAM::Role': `arn:aws:iam::${ACCOUNT}:role/${name}`,
      'AWS::Events::Rule': `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`,
      'AWS::IAM::ManagedPolicy': `arn:aws:iam::${ACCOUNT}:policy/${name}`,
    }
    if (attr === 'Arn') return arns[r.Type] ?? assert.fail(`no Arn model for ${r.Type}`)
    if (attr === 'QueueName') return name
    if (attr === 'ApiEndpoint') return `https://${name}.execute-api.${REGION}.amazonaws.com`
    return `${name}.${attr}`
  }

  /** The logical ids a resource needs first: DependsOn and every Ref/GetAtt in its properties, transitively. */
  createdBefore(id: string): Set<string> {
    const seen = new Set<string>()
    const visit = (current: string) => {
      const r = this.resources[current]
      if (!r) return
      const direct = [
        ...[r.DependsOn ?? []].flat(),
        ...[
          ...JSON.stringify(r.Properties ?? {}).matchAll(/"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)"/g),
        ].map((m) => m[1]!),
      ]
      for (const next of direct) {
        if (next in this.resources && !seen.has(next)) {
          seen.add(next)
          visit(next)
        }
      }
    }
    visit(id)
    return seen
  }
}

export interface Statement {
  readonly Effect: 'Allow' | 'Deny'
  readonly Action: string | string[]
  readonly Resource?: string | string[]
  readonly Principal?: Json
  readonly Condition?: Record<string, Record<string, string | string[]>>
  readonly Sid?: string
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

/** IAM's wildcard match: `*` any run of characters, `?` one; case-insensitive for actions. */
export function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${escaped}$`, ignoreCase ? 'i' : '').test(value)
}

/** A request: who (a service principal, or the role itself), what, on which resource, with which context. */
export interface Request {
  readonly action: string
  readonly resource: string
  readonly service?: string
  readonly context?: Record<string, string>
}

function conditionHolds(condition: Statement['Condition'], context: Record<string, string>): boolean {
  for (const [operator, tests] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(tests)) {
      const actual = context[key]
      const values = list(expected)
      const holds =
        operator === 'StringEquals' || operator === 'ArnEquals'
          ? actual !== undefined && values.includes(actual)
          : operator === 'StringLike' || operator === 'ArnLike'
            ? actual !== undefined && values.some((v) => wildcard(v, actual))
            : operator === 'Bool'
              ? actual !== undefined && values.includes(actual)
              : assert.fail(`the model does not evaluate condition operator ${operator}`)
      if (!holds) return false
    }
  }
  return true
}

function principalMatches(principal: Json, service: string | undefined): boolean {
  if (principal === undefined) return service === undefined // identity policy: the role itself
  if (principal === '*') return true
  const p = principal as { Service?: string | string[]; AWS?: string | string[] }
  return service !== undefined && list(p.Service).includes(service)
}

/** True when the statements allow the request and no statement denies it. */
export function allows(statements: readonly Statement[], request: Request): boolean {
  const context = { 'aws:SecureTransport': 'true', ...request.context }
  const matching = statements.filter(
    (s) =>
      principalMatches(s.Principal, request.service) &&
      list(s.Action).some((a) => wildcard(a, request.action, true)) &&
      list(s.Resource).some((r) => wildcard(r, request.resource)) &&
      conditionHolds(s.Condition, context),
  )
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny')
}

/** Evaluates a CloudFormation rule expression (the functions rules allow) for given parameter values. */
export function evaluateRule(
  expression: Json,
  parameters: Record<string, string>,
): boolean | string | string[] {
  if (typeof expression === 'string') return expression
  if (Array.isArray(expression)) return expression.map((e) => String(evaluateRule(e, parameters)))
  const [[fn, arg]] = Object.entries(expression as Record<string, Json>) as [[string, Json]]
  const args = arg as Json[]
  switch (fn) {
    case 'Ref':
      return parameters[arg as string] ?? assert.fail(`no value for parameter ${arg}`)
    case 'Fn::Equals':
      return evaluateRule(args[0], parameters) === evaluateRule(args[1], parameters)
    case 'Fn::Not':
      return !evaluateRule(args[0], parameters)
    case 'Fn::And':
      return args.every((a) => evaluateRule(a, parameters) === true)
    case 'Fn::Or':
      return args.some((a) => evaluateRule(a, parameters) === true)
    case 'Fn::Contains':
      return (evaluateRule(args[0], parameters) as string[]).includes(
        evaluateRule(args[1], parameters) as string,
      )
    default:
      return assert.fail(`the model does not evaluate rule function ${fn}`)
  }
}
