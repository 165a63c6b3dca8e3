/**
 * Synthetic design rows: the first ten exist at launch, the rest appear one by one over the plan's
 * business calendar, so an order only ever names a design that existed when it was placed.
 */
import { formatDay, toDayNumber } from './civil-time.ts'
import { businessTimestamp, LAUNCH, LAUNCH_DESIGNS, type SeedPlan } from './plan-seed.ts'
import { mixSeed, mulberry32, pick, randInt, randString } from './prng.ts'

/** A row's values in the catalogue's column order; null is SQL NULL. */
export type Row = readonly (string | null)[]

export const DESIGN_COLUMNS = [
  'design_id',
  'created_at',
  'design_name',
  'file_location',
  'file_name',
  'last_updated',
]

const DESIGN_STREAM = 0x64657369
// The snapshot's vocabulary.
const NAMES = [
  'Bronze',
  'Soft',
  'Steel',
  'Granite',
  'Frozen',
  'Plastic',
  'Cotton',
  'Concrete',
  'Wooden',
  'Fresh',
].concat(['Rubber', 'Metal'])
const LOCATIONS = [
  '/usr/share',
  '/net',
  '/selinux',
  '/opt/lib',
  '/etc',
  '/etc/periodic',
  '/home/user/dir',
  '/System',
].concat([
  '/Users',
  '/bin',
  '/lib',
  '/usr/ports',
  '/opt/include',
  '/var/log',
  '/private/tmp',
  '/usr/local/src',
])
const FILE_DAYS = [toDayNumber('2020-01-01'), toDayNumber('2022-10-31')] as const

/** Office milliseconds into the plan at which design `id` (1-based) is created; 0 for launch designs. */
export function designOffsetMs(plan: SeedPlan, id: number, jitter: number): number {
  if (id <= Math.min(LAUNCH_DESIGNS, plan.designs)) return 0
  return Math.floor(((id - 1 + jitter) / plan.designs) * plan.businessMs)
}

/** The highest design id that exists at `offsetMs` office milliseconds into the plan. */
export function designsAvailableAt(plan: SeedPlan, offsetMs: number): number {
  const launched = Math.min(LAUNCH_DESIGNS, plan.designs)
  return Math.min(plan.designs, Math.max(launched, Math.floor((offsetMs * plan.designs) / plan.businessMs)))
}

/** Design rows with ids in [first, last]. */
export function* generateDesignRows(plan: SeedPlan, first = 1, last = plan.designs): Generator<Row> {
  for (let id = first; id <= last; id++) {
    const rng = mulberry32(mixSeed(plan.seed, DESIGN_STREAM, id))
    const jitter = rng()
    const launched = id <= Math.min(LAUNCH_DESIGNS, plan.designs)
    const created = launched ? LAUNCH : businessTimestamp(plan, designOffsetMs(plan, id, jitter))
    const name = pick(rng, NAMES)
    const fileDay = formatDay(randInt(rng, FILE_DAYS[0], FILE_DAYS[1])).replaceAll('-', '')
    const fileName = `${name.toLowerCase()}-${fileDay}-${randString(rng, 'abcdefghijklmnopqrstuvwxyz0123456789', 4)}.json`
    yield [String(id), created, name, pick(rng, LOCATIONS), fileName, created]
  }
}
