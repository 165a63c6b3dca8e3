/**
 * The schema registry of a dataset, in the ingestion store: `ext/datasets/<name>/_schemas/v<N>.json`,
 * created if absent. The configured schema becomes version 1 on first use; adding optional columns
 * registers the next version; any other change is refused with the reasons.
 */

import type { DatasetConfig } from '../../core/dataset-config.ts'
import { ConfigError } from '../../core/errors.ts'
import { getText, type ObjectStore } from '../../io/object-store.ts'
import { streamPrefix } from '../stream-keys.ts'
import { type DatasetSchema, datasetSchemaJson, planSchemaVersion } from './dataset-schema.ts'

/** The stream of a dataset. */
export function datasetStream(name: string): string {
  return `datasets/${name}`
}

const schemasPrefix = (name: string) => `${streamPrefix(datasetStream(name))}_schemas/`

/** The latest registered schema of a dataset, if any. */
export async function runReadDatasetSchema(
  store: ObjectStore,
  name: string,
): Promise<DatasetSchema | undefined> {
  const versions = (await store.list(schemasPrefix(name)))
    .map((k) => /\/v(\d+)\.json$/.exec(k)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
  const latest = versions.at(-1)
  if (latest === undefined) return undefined
  const text = await getText(store, `${schemasPrefix(name)}v${latest}.json`)
  return datasetSchemaJson.parse(JSON.parse(text ?? 'null'))
}

/** The schema version new files of a dataset are landed under, registering one when the config grew. */
export async function runResolveDatasetSchema(
  store: ObjectStore,
  config: DatasetConfig,
): Promise<DatasetSchema> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const latest = await runReadDatasetSchema(store, config.name)
    const plan = planSchemaVersion(config, latest)
    if ('refused' in plan) {
      throw new ConfigError(
        `dataset ${config.name}: the configured schema differs from registered version ${latest?.version}: ${plan.refused.join('; ')}. Only optional columns may be added; for anything else configure a new dataset (name and table)`,
        { stage: 'datasets' },
      )
    }
    if (!plan.register) return plan.schema
    const key = `${schemasPrefix(config.name)}v${plan.schema.version}.json`
    if (await store.createIfAbsent(key, `${JSON.stringify(plan.schema, null, 1)}\n`)) return plan.schema
  }
  throw new Error(
    `could not register a schema version of dataset ${config.name}: too many concurrent writers`,
  )
}
