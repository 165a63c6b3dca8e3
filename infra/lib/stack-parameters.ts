/**
 * The stack's CloudFormation parameters (tuning a deploy can change without code) and the rules that refuse,
 * at deploy, values that would leave an alarm in alarm for good. CloudFormation rules cannot compare numbers,
 * so the schedules take a fixed set of values (the divisors of 60, which `cron(0/N …)` needs anyway to run
 * evenly) and one rule per value lists what the other parameter may not be.
 */
import { CfnParameter, CfnRule, Fn, type Stack } from 'aws-cdk-lib'
import { PURCHASE_FACT_TABLES } from '../../src/config.ts'

/** Minutes that divide an hour: `cron(0/N * …)` then runs every N minutes, also across the hour. */
export const EVERY_MINUTES = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30] as const
/**
 * The load's safety schedule may be at most 5 minutes apart: the freshness alarm reads 5-minute periods and
 * treats an empty one as stale, and its threshold must exceed one gap between loads.
 */
export const LOAD_SAFETY_MINUTES = [1, 2, 3, 4, 5] as const
/** The freshness threshold's floor: longer than the longest load safety gap plus a load run. */
export const MIN_FRESHNESS_SECONDS = 360

/** A database secret each function reads: the name of its parameter, and its description. */
export const SECRET_PARAMETERS = {
  TotesysDbSecretArn: 'the source database URL, read by the extract only',
  WarehouseDbSecretArn: "the warehouse owner's URL (creates and loads tables), read by the load only",
  ApiDbSecretArn: 'a read-only warehouse role (sql/roles.sql, totesys_api), read by the payments API only',
  FxDbSecretArn: 'the FX warehouse role (sql/roles.sql, totesys_fx), read by the FX function only',
  DatasetsDbSecretArn:
    'the datasets warehouse role (sql/roles.sql, totesys_datasets), read by the datasets function only',
} as const
export type SecretParameter = keyof typeof SECRET_PARAMETERS

export interface StackParameters {
  readonly alertEmail: CfnParameter
  readonly secrets: Record<SecretParameter, CfnParameter>
  readonly extractEveryMinutes: CfnParameter
  readonly loadSafetyEveryMinutes: CfnParameter
  readonly extractLag: CfnParameter
  readonly purchaseFactTable: CfnParameter
  readonly freshnessThresholdSeconds: CfnParameter
  readonly noExtractAlarmMinutes: CfnParameter
  readonly datasetsConfig: CfnParameter
  readonly datasetsSourceBucket: CfnParameter
  readonly datasetsEveryMinutes: CfnParameter
}

const minutes = (values: readonly number[]) => values.map(String)

/** Declares the parameters on the stack (their names are the template's, which deploy scripts pass). */
export function declareStackParameters(stack: Stack): StackParameters {
  const param = (name: string, options: ConstructorParameters<typeof CfnParameter>[2]) =>
    new CfnParameter(stack, name, options)
  const secrets = Object.fromEntries(
    Object.entries(SECRET_PARAMETERS).map(([name, what]) => [
      name,
      param(name, {
        type: 'String',
        description: `ARN of the Secrets Manager secret with ${what} (scripts/deploy.mjs creates it)`,
        allowedPattern: '^arn:aws[a-z-]*:secretsmanager:.+',
      }),
    ]),
  ) as Record<SecretParameter, CfnParameter>
  const parameters: StackParameters = {
    alertEmail: param('AlertEmail', {
      type: 'String',
      default: '',
      description: 'Email address that receives the alarms (confirm the subscription mail); empty for none',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+$',
    }),
    secrets,
    extractEveryMinutes: param('ExtractEveryMinutes', {
      type: 'Number',
      default: 1,
      allowedValues: minutes(EVERY_MINUTES),
      description: 'Minutes between scheduled extracts (a divisor of 60); less than NoExtractAlarmMinutes',
    }),
    loadSafetyEveryMinutes: param('LoadSafetyEveryMinutes', {
      type: 'Number',
      default: 5,
      allowedValues: minutes(LOAD_SAFETY_MINUTES),
      description:
        'Minutes between safety-net loads (the load also runs on every processed manifest); at most 5, so the freshness alarm always has a datapoint',
    }),
    extractLag: param('ExtractLag', {
      type: 'String',
      default: '2m',
      allowedPattern: '^\\d+(ms|s|m|h)$',
      description: 'How far back each extract re-reads for rows committed late (EXTRACT_LAG)',
    }),
    purchaseFactTable: param('PurchaseFactTable', {
      type: 'String',
      default: PURCHASE_FACT_TABLES[0],
      allowedValues: [...PURCHASE_FACT_TABLES],
      description: "The warehouse's name for the purchase fact table",
    }),
    freshnessThresholdSeconds: param('FreshnessThresholdSeconds', {
      type: 'Number',
      default: 600,
      minValue: MIN_FRESHNESS_SECONDS,
      maxValue: 1800,
      description:
        'Alarm when the warehouse lags extracted changes by more than this (at least one load safety gap plus a run: 360)',
    }),
    noExtractAlarmMinutes: param('NoExtractAlarmMinutes', {
      type: 'Number',
      default: 10,
      minValue: 2,
      maxValue: 1440,
      description:
        'Alarm when no extract has succeeded for this many minutes (more than ExtractEveryMinutes)',
    }),
    datasetsConfig: param('DatasetsConfig', {
      type: 'String',
      default: '',
      description:
        'DATASETS: the JSON datasets to pick up, as JSON (docs/OPERATIONS.md, JSON datasets); empty for none',
    }),
    datasetsSourceBucket: param('DatasetsSourceBucket', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      description: "The bucket the datasets' files appear in (read-only access is granted); empty for none",
    }),
    datasetsEveryMinutes: param('DatasetsEveryMinutes', {
      type: 'Number',
      default: 15,
      allowedValues: minutes(EVERY_MINUTES),
      description: 'Minutes between dataset pickups (a divisor of 60)',
    }),
  }

  // NoExtractAlarmMinutes counts 1-minute periods without a successful extract: with extracts E minutes apart
  // a window of E minutes or fewer can fall between two extracts, so the alarm would fire on every gap.
  for (const every of EVERY_MINUTES) {
    new CfnRule(stack, `NoExtractAlarmOutlastsExtractEvery${every}`, {
      ruleCondition: Fn.conditionEquals(parameters.extractEveryMinutes.valueAsString, String(every)),
      assertions: [
        {
          assert: Fn.conditionNot(
            Fn.conditionContains(
              Array.from({ length: every }, (_, i) => String(i + 1)),
              parameters.noExtractAlarmMinutes.valueAsString,
            ),
          ),
          assertDescription: `With ExtractEveryMinutes=${every}, NoExtractAlarmMinutes must be more than ${every}: a shorter window falls between two extracts and the alarm fires on every gap.`,
        },
      ],
    })
  }
  return parameters
}
