/**
 * Which source tables a table's rows point at: the references the transform checks (a row whose target
 * it cannot find is quarantined). The extract reads tables in SOURCE_READ_ORDER and stops reading when a
 * batch's row budget is spent, so a table is read only after every table it points at was read to the
 * end of the same snapshot: a first load cut into bounded batches never makes a row arrive before what
 * it points at. Both derive from SOURCE_DECLARATION.
 */
import { SOURCE_DECLARATION, type SourceTable } from './source-catalogue.ts'

const DECLARED = Object.keys(SOURCE_DECLARATION) as SourceTable[]

export const SOURCE_REFERENCES: Readonly<Record<SourceTable, readonly SourceTable[]>> = Object.fromEntries(
  DECLARED.map((table) => [
    table,
    [...new Set(SOURCE_DECLARATION[table].columns.flatMap((c) => c.need?.references ?? []))],
  ]),
) as Record<string, readonly SourceTable[]> as Record<SourceTable, readonly SourceTable[]>

/**
 * Every table after the tables it references: first the tables that point at nothing, then those that
 * point only at those, and so on, each round in declaration order.
 */
export const SOURCE_READ_ORDER: readonly SourceTable[] = toReadOrder(DECLARED)

function toReadOrder(declared: readonly SourceTable[]): SourceTable[] {
  const order: SourceTable[] = []
  let pending = [...declared]
  while (pending.length > 0) {
    const ready = pending.filter((t) => SOURCE_REFERENCES[t].every((r) => order.includes(r)))
    if (ready.length === 0) throw new Error(`source references form a cycle: ${pending.join(', ')}`)
    order.push(...ready)
    pending = pending.filter((t) => !ready.includes(t))
  }
  return order
}
