/**
 * The schema registry: the expected shape of each source table, versioned in the ingestion store as
 * `_schemas/<table>/v<N>.json` (created from the catalogue on first use). A batch's observed columns are
 * checked against the latest version before anything is transformed.
 */

import type { ObservedColumn } from '../core/manifests/ingestion.ts'
import { readManifest } from '../core/manifests/read-manifest.ts'
import { SCHEMA_VERSION, type SchemaColumn, type SchemaVersion } from '../core/manifests/schema-version.ts'
import { type SourceTable, sourceTable } from '../core/source-catalogue.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { SourceNeeds } from './source-needs.ts'

export type { SchemaColumn, SchemaVersion } from '../core/manifests/schema-version.ts'

const PREFIX = '_schemas/'

/** The key of a schema version. */
export function schemaKey(table: SourceTable, version: number): string {
  return `${PREFIX}${table}/v${version}.json`
}

/** Version 1 of a table: the catalogue's shape. */
export function catalogueSchema(table: SourceTable): SchemaVersion {
  const columns = sourceTable(table).columns.map((c) => ({
    name: c.name,
    type: c.type,
    nullable: c.nullable,
    ...(c.values ? { values: c.values } : {}),
  }))
  return { table, version: 1, columns, renames: {}, reason: 'catalogue' }
}

/** The latest version of a table's schema, registering version 1 from the catalogue when none exists. */
export async function runReadSchema(store: ObjectStore, table: SourceTable): Promise<SchemaVersion> {
  const keys = await store.list(`${PREFIX}${table}/`)
  const versions = keys
    .map((k) => /\/v(\d+)\.json$/.exec(k)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
  const latest = versions.at(-1)
  if (latest === undefined) {
    const first = catalogueSchema(table)
    await store.createIfAbsent(schemaKey(table, 1), SCHEMA_VERSION.serialise(first))
    return runReadSchema(store, table)
  }
  return readManifest(store, schemaKey(table, latest), SCHEMA_VERSION)
}

/** Every registered version of a table, oldest first. */
export async function runListSchemaVersions(
  store: ObjectStore,
  table: SourceTable,
): Promise<SchemaVersion[]> {
  await runReadSchema(store, table)
  const out: SchemaVersion[] = []
  for (const key of await store.list(`${PREFIX}${table}/`))
    out.push(await readManifest(store, key, SCHEMA_VERSION))
  return out.sort((a, b) => a.version - b.version)
}

/** Registers the next version of a table's schema (conditional create; a lost race re-reads and retries). */
export async function runRegisterSchema(
  store: ObjectStore,
  next: Omit<SchemaVersion, 'version'>,
): Promise<SchemaVersion> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const latest = await runReadSchema(store, next.table)
    const version: SchemaVersion = { ...next, version: latest.version + 1 }
    if (
      await store.createIfAbsent(schemaKey(next.table, version.version), SCHEMA_VERSION.serialise(version))
    ) {
      return version
    }
  }
  throw new Error(`could not register a new schema version of ${next.table}: too many concurrent writers`)
}

export type SchemaCheck =
  /** Needed columns all present with their registered types; `changes` lists compatible drift (empty = none). */
  | {
      readonly verdict: 'ok'
      readonly sourceNames: ReadonlyMap<string, string>
      readonly changes: readonly string[]
      readonly next: Omit<SchemaVersion, 'version'> | undefined
    }
  /** A needed column is missing or retyped: the table's slice of the batch is quarantined. */
  | { readonly verdict: 'blocked'; readonly problems: readonly string[] }

/** Compares the observed columns of a batch with the registered schema (pure). */
export function planSchemaCheck(
  registered: SchemaVersion,
  observed: readonly ObservedColumn[],
  needs: SourceNeeds,
  batchId: string,
): SchemaCheck {
  const observedByName = new Map(observed.map((c) => [c.name, c]))
  const registeredByName = new Map(registered.columns.map((c) => [c.name, c]))
  const catalogueTypeOf = new Map(sourceTable(registered.table).columns.map((c) => [c.name, c.type]))
  // A rename whose source column is gone while the catalogue's own name is back: the source restored it.
  const renames = Object.fromEntries(
    Object.entries(registered.renames).filter(
      ([source, target]) => observedByName.has(source) || !observedByName.has(target),
    ),
  )
  const sourceNameOf = new Map(needs.columns.map((c) => [c.name, c.name]))
  for (const [source, target] of Object.entries(renames)) sourceNameOf.set(target, source)
  const problems: string[] = []
  for (const need of needs.columns) {
    const source = sourceNameOf.get(need.name) ?? need.name
    const seen = observedByName.get(source)
    const expected = registeredByName.get(source)
    // The catalogue's own type is always readable: restoring it is not drift to hold back.
    const restored = seen?.type === catalogueTypeOf.get(need.name)
    if (!seen) problems.push(`column ${source} (needed as ${need.name}) is missing`)
    else if (expected && seen.type !== expected.type && !restored)
      problems.push(`column ${source} changed type from ${expected.type} to ${seen.type} (${seen.pgType})`)
  }
  if (problems.length > 0) return { verdict: 'blocked', problems }
  const changes: string[] = []
  for (const c of observed) {
    const before = registeredByName.get(c.name)
    if (!before) changes.push(`column ${c.name} added (${c.pgType})`)
    else if (before.type !== c.type)
      changes.push(`column ${c.name} changed type from ${before.type} to ${c.type}`)
    else if (before.nullable !== c.nullable)
      changes.push(`column ${c.name} became ${c.nullable ? 'nullable' : 'NOT NULL'}`)
  }
  for (const c of registered.columns)
    if (!observedByName.has(c.name)) changes.push(`column ${c.name} dropped`)
  for (const [source, target] of Object.entries(registered.renames))
    if (!(source in renames))
      changes.push(`column ${target} is back under its catalogue name (was ${source})`)
  const next =
    changes.length === 0
      ? undefined
      : {
          table: registered.table,
          columns: toSchemaColumns(observed, registered),
          renames,
          reason: `compatible drift in batch ${batchId}: ${changes.join('; ')}`,
        }
  return { verdict: 'ok', sourceNames: sourceNameOf, changes, next }
}

/** Observed columns as schema columns, keeping the allowed values the registry knew for each. */
export function toSchemaColumns(
  observed: readonly ObservedColumn[],
  previous: SchemaVersion,
): SchemaColumn[] {
  const before = new Map(previous.columns.map((c) => [c.name, c]))
  return observed.map((c) => {
    const values = before.get(c.name)?.values ?? before.get(previous.renames[c.name] ?? '')?.values
    return { name: c.name, type: c.type, nullable: c.nullable, ...(values ? { values } : {}) }
  })
}
