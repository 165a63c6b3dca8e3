/**
 * `schema accept TABLE`: registers the source shape a held table slice had as the table's next schema
 * version, so a replay of that slice passes the check. A needed column the source renamed is accepted
 * only with an explicit rename (source name → catalogue name); the rows are still checked row by row.
 */

import { ConfigError } from '../core/errors.ts'
import type { SourceTable } from '../core/source-catalogue.ts'
import type { ObjectStore } from '../io/object-store.ts'
import { runListQuarantine } from './quarantine-store.ts'
import { runReadSchema, runRegisterSchema, type SchemaVersion, toSchemaColumns } from './schema-registry.ts'
import { sourceNeeds } from './source-needs.ts'

/** Registers the shape of the latest held slice of `table` (with optional renames) as a new version. */
export async function runAcceptSchema(
  store: ObjectStore,
  input: { readonly table: SourceTable; readonly renames?: Readonly<Record<string, string>> },
): Promise<SchemaVersion> {
  const { table } = input
  const slices = (await runListQuarantine(store)).filter(
    (e) => e.table === table && e.level === 'table' && e.replayedIn === null,
  )
  const latest = slices.at(-1)
  if (!latest)
    throw new ConfigError(`no held slice of ${table} to accept the shape of; see 'quarantine list'`)
  const current = await runReadSchema(store, table)
  const observed = new Set(latest.columns.map((c) => c.name))
  // An accepted rename the source has undone (the catalogue's name is back) is dropped, not asked for again.
  const kept = Object.entries(current.renames).filter(
    ([source, target]) => observed.has(source) || !observed.has(target),
  )
  const renames: Record<string, string> = { ...Object.fromEntries(kept), ...(input.renames ?? {}) }
  // An identity mapping (name=name) means no rename.
  for (const [source, target] of Object.entries(renames)) if (source === target) delete renames[source]
  const sourceNameOf = new Map(Object.entries(renames).map(([source, target]) => [target, source]))
  const missing = sourceNeeds(table)
    .columns.map((c) => sourceNameOf.get(c.name) ?? c.name)
    .filter((name) => !observed.has(name))
  if (missing.length > 0) {
    throw new ConfigError(
      `${table} would lack needed column(s) ${missing.join(', ')}; pass --rename source_name=catalogue_name`,
      { table },
    )
  }
  const columns = toSchemaColumns(latest.columns, { ...current, renames })
  return runRegisterSchema(store, {
    table,
    columns,
    renames,
    reason: `accepted by schema accept from ${latest.id}`,
  })
}
