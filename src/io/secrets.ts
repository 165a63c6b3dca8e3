/**
 * Database URLs from AWS Secrets Manager. A secret holds either `{ "url": "postgres://…" }` or the
 * fields RDS writes (`host`, `port`, `username`, `password`, `dbname`, optional `sslmode`). Values are
 * read once per process (a warm Lambda reuses them): after rotating a secret, new containers pick it up.
 * Nothing here logs a secret: errors name the secret's ARN and the field at fault, never a value.
 */
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { z } from 'zod'
import { ConfigError, UnavailableError } from '../core/errors.ts'

const urlSecret = z.object({ url: z.string().regex(/^postgres(ql)?:\/\//) })
const rdsSecret = z.object({
  host: z.string().min(1),
  port: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).optional(),
  username: z.string().min(1),
  password: z.string(),
  dbname: z.string().min(1).optional(),
  sslmode: z.enum(['disable', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full']).optional(),
})

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
    try {
      new URL(byUrl.data.url)
    } catch {
      throw new ConfigError(`secret ${name}: "url" is not a valid URL`)
    }
    return byUrl.data.url
  }
  const rds = rdsSecret.safeParse(json)
  if (!rds.success) {
    const fields = rds.error.issues.map((issue) => issue.path.join('.')).join(', ')
    throw new ConfigError(
      `secret ${name} needs "url" (postgres://…) or host, username, password[, port, dbname, sslmode]; bad or missing: ${fields}`,
    )
  }
  const s = rds.data
  const url = new URL('postgres://localhost')
  url.hostname = s.host
  url.port = String(s.port ?? 5432)
  url.username = encodeURIComponent(s.username)
  url.password = encodeURIComponent(s.password)
  url.pathname = `/${encodeURIComponent(s.dbname ?? 'postgres')}`
  if (s.sslmode) url.searchParams.set('sslmode', s.sslmode)
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
