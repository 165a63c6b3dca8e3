/**
 * Database URLs from AWS Secrets Manager. A secret holds either `{ "url": "postgres://…" }` or the
 * fields RDS writes (`host`, `port`, `username`, `password`, `dbname`, optional `sslmode`). Values are
 * read once per process (a warm Lambda reuses them): after rotating a secret, new containers pick it up.
 * Nothing here logs a secret: errors name the secret's ARN and the field at fault, never a value.
 *
 * TLS: a URL without `sslmode` gets `sslmode=verify-full` (the server's certificate must chain to a trusted
 * CA and name the host). The `pg` driver reads it through pg-connection-string, which turns verify-full
 * into TLS with certificate and host checks against Node's CA store; the Lambda functions add the
 * runtime's bundle of Amazon CAs (RDS included) with NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem.
 */
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { z } from 'zod'
import { ConfigError, UnavailableError } from '../core/errors.ts'

/** What a URL gets when it names no sslmode: encrypted, certificate and host verified. */
export const DEFAULT_SSLMODE = 'verify-full'

const SSLMODES = ['disable', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full'] as const

const urlSecret = z.object({ url: z.string().regex(/^postgres(ql)?:\/\//) })
const rdsSecret = z.object({
  host: z.string().min(1),
  port: z.union([z.number().int().positive().max(65535), z.string().regex(/^\d{1,5}$/)]).optional(),
  username: z.string().min(1),
  password: z.string(),
  dbname: z.string().min(1).optional(),
  sslmode: z.enum(SSLMODES).optional(),
})

// A DNS name or IPv4 address, or a bracketed IPv6 address: what a URL's host can hold on its own.
const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/
const HOST_IPV6 = /^\[[0-9A-Fa-f:.]+\]$/

/** Why an RDS secret's host cannot be a URL host, or undefined when it can. Never echoes the value. */
function hostProblem(host: string): string | undefined {
  if (HOST_NAME.test(host) || HOST_IPV6.test(host)) return undefined
  if (/\s/.test(host)) return 'contains a space or other whitespace'
  if (host.includes('://') || host.includes('/')) return 'looks like a URL or a path: give the host name only'
  if (host.includes('@'))
    return 'contains "@": give the host name only (user and password have their own fields)'
  if (host.includes(':')) return 'holds a port or an unbracketed IPv6 address: put the port in "port"'
  return 'is not a host name or an IP address'
}

/** Turns a secret's text into a postgres:// URL; `name` (an ARN) only labels errors. */
export function toDatabaseUrl(secretString: string, name: string): string {
  let json: unknown
  try {
    json = JSON.parse(secretString)
  } catch {
    throw new ConfigError(`secret ${name} is not JSON: store {"url": "postgres://…"} or the RDS fields`)
  }
  const byUrl = urlSecret.safeParse(json)
  if (byUrl.success) {
    let url: URL
    try {
      url = new URL(byUrl.data.url)
    } catch {
      throw new ConfigError(`secret ${name}: "url" is not a valid URL`)
    }
    if (url.hostname === '') throw new ConfigError(`secret ${name}: "url" names no host`)
    if (url.searchParams.has('sslmode') || url.searchParams.has('ssl')) return byUrl.data.url
    url.searchParams.set('sslmode', DEFAULT_SSLMODE)
    return url.toString()
  }
  const rds = rdsSecret.safeParse(json)
  if (!rds.success) {
    const fields = rds.error.issues.map((issue) => issue.path.join('.')).join(', ')
    throw new ConfigError(
      `secret ${name} needs "url" (postgres://…) or host, username, password[, port, dbname, sslmode]; bad or missing: ${fields}`,
    )
  }
  const s = rds.data
  const problem = hostProblem(s.host)
  if (problem) throw new ConfigError(`secret ${name}: "host" ${problem}`)
  const url = new URL('postgres://placeholder.invalid')
  url.hostname = s.host
  // The WHATWG URL ignores a host it cannot take instead of failing: check that it took this one.
  if (url.hostname.toLowerCase() !== s.host.toLowerCase()) {
    throw new ConfigError(`secret ${name}: "host" is not a host name or an IP address`)
  }
  url.port = String(s.port ?? 5432)
  url.username = encodeURIComponent(s.username)
  url.password = encodeURIComponent(s.password)
  url.pathname = `/${encodeURIComponent(s.dbname ?? 'postgres')}`
  url.searchParams.set('sslmode', s.sslmode ?? DEFAULT_SSLMODE)
  return url.toString()
}

export type ReadSecret = (arn: string) => Promise<string>

/** A reader of secret strings through the AWS SDK, caching each secret for the life of the process. */
export function secretsManagerReader(
  client: SecretsManagerClient = new SecretsManagerClient({}),
): ReadSecret {
  const cache = new Map<string, Promise<string>>()
  return (arn) => {
    let value = cache.get(arn)
    if (!value) {
      value = readSecretString(client, arn)
      // A failed read is not cached: the next invocation tries again.
      value.catch(() => cache.delete(arn))
      cache.set(arn, value)
    }
    return value
  }
}

async function readSecretString(client: SecretsManagerClient, arn: string): Promise<string> {
  let answer: GetSecretValueCommandOutput
  try {
    answer = await client.send(new GetSecretValueCommand({ SecretId: arn }))
  } catch (cause) {
    const name = (cause as { name?: string }).name ?? 'Error'
    if (name === 'ResourceNotFoundException' || name === 'AccessDeniedException') {
      throw new ConfigError(
        `secret ${arn} cannot be read (${name}): check it exists and the function may read it`,
        {},
        { cause },
      )
    }
    throw new UnavailableError(`secret ${arn} could not be read (${name})`, {}, { cause })
  }
  const text = answer.SecretString
  if (text === undefined) throw new ConfigError(`secret ${arn} has no string value`)
  return text
}
