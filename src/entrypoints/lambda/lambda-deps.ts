/**
 * The dependencies of a stage function, built once per container and reused while it is warm. The
 * database URLs come from Secrets Manager (the ARNs in TOTESYS_DB_SECRET_ARN / WAREHOUSE_DB_SECRET_ARN);
 * a URL set directly (TOTESYS_DB_URL / WAREHOUSE_DB_URL) wins, for local runs and tests. Scratch files
 * live under /tmp, the only writable folder in Lambda.
 */
import { loadConfig, SETTINGS, type SettingName, type Settings } from '../../config.ts'
import { ConfigError } from '../../core/errors.ts'
import { type ReadSecret, secretsManagerReader, toDatabaseUrl } from '../../io/secrets.ts'
import type { Log } from '../../log.ts'
import { type Deps, makeDeps } from '../make-deps.ts'

/** The database settings a function may need, and the variable naming each one's secret. */
export const SECRET_ARN_SETTINGS = {
  TOTESYS_DB_URL: 'TOTESYS_DB_SECRET_ARN',
  WAREHOUSE_DB_URL: 'WAREHOUSE_DB_SECRET_ARN',
} as const
export type DatabaseSetting = keyof typeof SECRET_ARN_SETTINGS

/** Where scratch files go unless DATA_DIR says otherwise. */
export const LAMBDA_DATA_DIR = '/tmp/totesys-etl'

type Env = Readonly<Record<string, string | undefined>>

/** The settings of a function: its environment, plus the URLs of the databases it needs from their secrets. */
export async function resolveLambdaSettings(
  env: Env,
  needs: readonly DatabaseSetting[],
  readSecret: ReadSecret,
): Promise<Settings> {
  const settings: Settings = {}
  for (const name of Object.keys(SETTINGS) as SettingName[]) settings[name] = env[name]
  settings.DATA_DIR = env.DATA_DIR || LAMBDA_DATA_DIR
  for (const need of needs) {
    if (env[need]) continue
    const arnName = SECRET_ARN_SETTINGS[need]
    const arn = env[arnName]
    if (!arn)
      throw new ConfigError(`${arnName} is not set: the function cannot reach its database (or set ${need})`)
    settings[need] = toDatabaseUrl(await readSecret(arn), arn)
  }
  return settings
}

/** A lazy, memoised Deps for a function; a failed build (a secret not readable yet) is retried next call. */
export function lambdaDeps(
  env: Env,
  needs: readonly DatabaseSetting[],
  options: { readSecret?: ReadSecret; log?: Log } = {},
): () => Promise<Deps> {
  return onceUntilFailure(async () => {
    const settings = await resolveLambdaSettings(env, needs, options.readSecret ?? secretsManagerReader())
    return makeDeps(loadConfig(settings), ...(options.log ? [options.log] : []))
  })
}

/**
 * `make` run on the first call (with that call's arguments) and its result kept while the container
 * is warm; a failure is not kept, so the next call tries again.
 */
export function onceUntilFailure<A extends unknown[], T>(
  make: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  let made: Promise<T> | undefined
  return (...args) => {
    made ??= make(...args).catch((error: unknown) => {
      made = undefined
      throw error
    })
    return made
  }
}
