/**
 * Compares one warehouse table across the layers, in DuckDB (bounded memory, spills to disk): expected
 * rows (source) against the warehouse, and for facts the warehouse's versions against the processed
 * store's. Each finding is counted whole and sampled (20 keys): the caller never holds a table's rows.
 * A missing or stale row is put in the first layer that lacks it (or held in quarantine, or pending),
 * which is what says its cause.
 */
import { quoteIdent } from '../core/sql-ident.ts'
import { type WarehouseTable, warehouseTable } from '../core/warehouse-catalogue.ts'
import { type DuckDb, sqlString } from '../io/duckdb.ts'
import {
  expectedName,
  heldName,
  keyColumnsSql,
  keyMatchSql,
  keySql,
  lakeName,
  processedName,
  warehouseName,
} from './duck-tables.ts'
import { type ExpectedTable, MADE_FROM } from './expected-rows-sql.ts'
import { toCanonicalValue } from './verify-warehouse.ts'

const SAMPLE = 20

export interface KeySample {
  readonly count: number
  readonly keys: readonly string[]
}

export interface StaleSample extends KeySample {
  /** Every column that differs in at least one row. */
  readonly columns: readonly string[]
  /** Per sampled key, its differing columns. */
  readonly rows: readonly { readonly key: string; readonly columns: readonly string[] }[]
}

/** Where a missing (or stale) expected row stops: the first layer that lacks its version. */
export const MISSING_LAYERS = ['not_in_lake', 'not_processed', 'not_loaded', 'lake_unknown'] as const
export type MissingLayer = (typeof MISSING_LAYERS)[number]
/** Why a warehouse row differs: the processed store agrees with the source (so only the warehouse is off),
 * the lake never had the source's version, or the processed store has other values too. */
export const STALE_LAYERS = ['warehouse_only', 'not_in_lake', 'processed_differs', 'lake_unknown'] as const
export type StaleLayer = (typeof STALE_LAYERS)[number]

export interface TableFindings {
  readonly table: WarehouseTable
  readonly source: number | null
  readonly lake: number | null
  readonly processed: number | null
  readonly warehouse: number | null
  readonly lag: number | null
  readonly pending: number | null
  readonly quarantined: number | null
  readonly missing: Readonly<Record<MissingLayer, KeySample>>
  readonly stale: Readonly<Record<StaleLayer, StaleSample>>
  /** Dims: keys the source has no row for; facts: versions no loaded batch holds. */
  readonly unexpected: KeySample
  /** Keys (versions) the warehouse holds more than once; keys carry ` ×n`. */
  readonly duplicated: KeySample
  /** Facts: versions of loaded batches the warehouse lacks. */
  readonly notLoaded: KeySample
  /** Facts: versions the processed store holds in more than one batch; keys carry ` ×n`. */
  readonly processedDuplicates: KeySample
}

/** Which layers are in DuckDB for this comparison. */
export interface Layers {
  readonly expected: boolean
  readonly warehouse: boolean
  readonly processed: boolean
  readonly lake: boolean
}

const none: KeySample = { count: 0, keys: [] }
const noStale: StaleSample = { count: 0, keys: [], columns: [], rows: [] }

/** Display form of a key: times as HH:MM:SS.mmm like the rest of the pipeline's messages. */
function toDisplayKey(table: WarehouseTable, key: string): string {
  const def = warehouseTable(table)
  return key
    .split('|')
    .map((part, i) => {
      const column = def.columns.find((c) => c.name === def.key[i])
      return column?.type === 'time' && part !== '' ? (toCanonicalValue('time', part) ?? part) : part
    })
    .join('|')
}

async function sample(db: DuckDb, table: WarehouseTable, from: string, extra = ''): Promise<KeySample> {
  const rows = await db.rows<{ n: number | string; k: string; x: string | null }>(
    `SELECT count(*) OVER () AS n, k, ${extra || 'NULL'} AS x FROM (${from}) ORDER BY o, k LIMIT ${SAMPLE}`,
  )
  return {
    count: Number(rows[0]?.n ?? 0),
    keys: rows.map((r) => `${toDisplayKey(table, r.k)}${r.x ? ` ×${r.x}` : ''}`),
  }
}

/** One comparison's names: the table, its layers' DuckDB tables (e, w, p, l, q) and key expressions. */
interface Compare {
  readonly db: DuckDb
  readonly table: ExpectedTable
  readonly def: ReturnType<typeof warehouseTable>
  readonly layers: Layers
  readonly e: string
  readonly w: string
  readonly p: string
  readonly l: string
  readonly q: string
  readonly ke: ReturnType<typeof keySql>
  readonly kw: ReturnType<typeof keySql>
  readonly kp: ReturnType<typeof keySql>
}

type Findings = { -readonly [K in keyof TableFindings]: TableFindings[K] } & {
  missing: Record<MissingLayer, KeySample>
  stale: Record<StaleLayer, StaleSample>
}

/** Runs every comparison of one table whose layers are loaded into DuckDB. */
export async function runCompareTable(
  db: DuckDb,
  table: ExpectedTable,
  layers: Layers,
): Promise<TableFindings> {
  const source = MADE_FROM[table]
  const c: Compare = {
    db,
    table,
    def: warehouseTable(table),
    layers,
    e: expectedName(table),
    w: warehouseName(table),
    p: processedName(table),
    l: lakeName(source),
    q: heldName(source),
    ke: keySql(table, 'e'),
    kw: keySql(table, 'w'),
    kp: keySql(table, 'p'),
  }
  const { findings, found } = await runCountLayers(c)
  if (found.duplicated > 0)
    findings.duplicated = await sample(db, table, duplicatedSql(c), 'CAST(c AS VARCHAR)')
  if (layers.expected && layers.warehouse) await runCompareExpected(c, findings, found)
  if (c.def.kind === 'fact') await runCompareFactVersions(c, findings, found)
  return findings
}

/**
 * The queries whose rows are findings, each counted in runCountLayers' one statement first, so a finding
 * with no rows (verify's usual case) costs no statement of its own: DuckDB spends ~1-9 ms planning and
 * running each even on a table of 3 rows, and a clean table had ~10 of them. 0 where not checked.
 */
interface Found {
  readonly duplicated: number
  readonly missing: number
  readonly stale: number
  readonly unexpected: number
  readonly notLoaded: number
  readonly processedDuplicates: number
}

/** Keys (versions) the warehouse holds more than once, with how many times. */
function duplicatedSql(c: Compare): string {
  return `SELECT ${c.kw.text} AS k, ${c.kw.id} AS o, count(*) AS c FROM ${c.w} AS w
       GROUP BY ${keyColumnsSql(c.table, 'w')} HAVING count(*) > 1`
}

/** Expected rows the warehouse lacks (alias e). */
function missingFromSql(c: Compare): string {
  return `${c.e} AS e WHERE e._fresh AND NOT EXISTS (SELECT 1 FROM ${c.w} AS w WHERE ${keyMatchSql(c.table, 'w', 'e')})`
}

/** Expected rows the warehouse holds with other values (aliases e and w). */
function staleFromSql(c: Compare): string {
  const differs = c.def.columns
    .map((col) => `e.${quoteIdent(col.name)} IS DISTINCT FROM w.${quoteIdent(col.name)}`)
    .join(' OR ')
  return `${c.e} AS e JOIN ${c.w} AS w ON ${keyMatchSql(c.table, 'w', 'e')}
      WHERE e._fresh AND (${differs})`
}

/** Dims: warehouse rows the source has no row for (nor recorded as deleted). */
function unexpectedDimSql(c: Compare): string {
  const { table, kw, e, w } = c
  // A dimension row whose source row was deleted (etl.source_deletes) stays for the facts: not unexpected.
  return `SELECT ${kw.text} AS k, ${kw.id} AS o FROM ${w} AS w
       WHERE NOT EXISTS (SELECT 1 FROM ${e} AS e WHERE ${keyMatchSql(table, 'e', 'w')})
         AND NOT EXISTS (SELECT 1 FROM source_deletes AS d
           WHERE d.source_table = ${sqlString(MADE_FROM[table])} AND d.source_key = ${kw.id})`
}

/** Facts: warehouse versions no loaded batch holds. */
function unexpectedFactSql(c: Compare): string {
  return `SELECT ${c.kw.text} AS k, ${c.kw.id} AS o FROM ${c.w} AS w
       WHERE NOT EXISTS (SELECT 1 FROM ${c.p} AS p WHERE ${keyMatchSql(c.table, 'p', 'w')})`
}

/** Facts: versions of loaded batches the warehouse lacks. */
function notLoadedSql(c: Compare): string {
  const { table, kp, w, p } = c
  return `SELECT DISTINCT ON (${keyColumnsSql(table, 'p')}) ${kp.text} AS k, ${kp.id} AS o FROM ${p} AS p
       WHERE NOT EXISTS (SELECT 1 FROM ${w} AS w WHERE ${keyMatchSql(table, 'w', 'p')})`
}

/** Facts: versions the processed store holds in more than one batch, with how many times. */
function processedDuplicatesSql(c: Compare): string {
  return `SELECT ${c.kp.text} AS k, ${c.kp.id} AS o, count(*) AS c FROM ${c.p} AS p
       GROUP BY ${keyColumnsSql(c.table, 'p')} HAVING count(*) > 1`
}

/**
 * Each loaded layer's row count (null where the layer is not loaded), and how many rows each finding's
 * query gives (see Found); the findings start empty.
 */
async function runCountLayers(c: Compare): Promise<{ findings: Findings; found: Found }> {
  const { layers, def, e, l, p, w } = c
  const fact = def.kind === 'fact'
  const compared = layers.expected && layers.warehouse
  const versions = fact && layers.warehouse && layers.processed
  // What each count counts (a FROM clause), where its layers are loaded.
  const rowsOf = (sql: string) => `(${sql}) AS r`
  const counts = {
    source: layers.expected && e,
    lake: layers.lake && l,
    processed: layers.processed && rowsOf(`SELECT DISTINCT ${def.key.map(quoteIdent).join(', ')} FROM ${p}`),
    warehouse: layers.warehouse && w,
    lag: layers.expected && `${e} WHERE NOT _fresh`,
  }
  const finding: Record<keyof Found, string | false> = {
    duplicated: layers.warehouse && rowsOf(duplicatedSql(c)),
    missing: compared && missingFromSql(c),
    stale: compared && staleFromSql(c),
    unexpected: compared && !fact ? rowsOf(unexpectedDimSql(c)) : versions && rowsOf(unexpectedFactSql(c)),
    notLoaded: versions && rowsOf(notLoadedSql(c)),
    processedDuplicates: fact && layers.processed && rowsOf(processedDuplicatesSql(c)),
  }
  // One statement, a UNION ALL of one count a row: as scalar subqueries of one SELECT, DuckDB's join order
  // search took their cross product (30-70 ms a table, against ~25 for the statements one by one).
  const parts = [
    ...Object.entries(counts),
    ...Object.entries(finding).map(([name, from]) => [`found_${name}`, from] as const),
  ].flatMap(([name, from]) => (from ? [`SELECT '${name}' AS name, count(*) AS n FROM ${from}`] : []))
  const rows = parts.length
    ? await c.db.rows<{ name: string; n: number | string }>(parts.join(' UNION ALL '))
    : []
  const row = new Map(rows.map((r) => [r.name, Number(r.n)]))
  const count = (name: keyof typeof counts) => row.get(name) ?? null
  const found = Object.fromEntries(
    Object.keys(finding).map((name) => [name, row.get(`found_${name}`) ?? 0]),
  ) as unknown as Found
  const findings: Findings = {
    table: c.table,
    source: count('source'),
    lake: count('lake'),
    processed: count('processed'),
    warehouse: count('warehouse'),
    lag: count('lag'),
    pending: null,
    quarantined: null,
    missing: Object.fromEntries(MISSING_LAYERS.map((m) => [m, none])) as Record<MissingLayer, KeySample>,
    stale: Object.fromEntries(STALE_LAYERS.map((s) => [s, noStale])) as Record<StaleLayer, StaleSample>,
    unexpected: none,
    duplicated: none,
    notLoaded: none,
    processedDuplicates: none,
  }
  return { findings, found }
}

/** Expected rows against the warehouse: missing and stale rows by layer, pending, held, unexpected (dims). */
async function runCompareExpected(c: Compare, findings: Findings, found: Found): Promise<void> {
  const { db, table } = c
  // Counted by layer first, so only a layer that holds rows is sampled: on a clean table (verify's usual
  // case) that is none, and the eight per-layer samples would each scan an empty table.
  const missing = found.missing > 0 ? await runCreateMissing(c) : new Map<string, number>()
  const stale = found.stale > 0 ? await runCreateStale(c) : new Map<string, number>()
  findings.pending = (missing.get('pending') ?? 0) + (stale.get('pending') ?? 0)
  findings.quarantined = (missing.get('held') ?? 0) + (stale.get('held') ?? 0)
  for (const m of MISSING_LAYERS) {
    if (missing.has(m))
      findings.missing[m] = await sample(db, table, `SELECT k, o FROM missing_layer WHERE layer = '${m}'`)
  }
  for (const s of STALE_LAYERS) {
    const sampled = stale.has(s) ? await runSampleStale(db, table, s) : undefined
    if (sampled) findings.stale[s] = sampled
  }
  if (c.def.kind !== 'fact' && found.unexpected > 0)
    findings.unexpected = await sample(db, table, unexpectedDimSql(c))
}

/** How many rows of a temp table (missing_layer or stale) each layer holds; a layer with none is absent. */
async function runCountByLayer(db: DuckDb, from: 'missing_layer' | 'stale'): Promise<Map<string, number>> {
  const rows = await db.rows<{ layer: string; n: number | string }>(
    `SELECT layer, count(*) AS n FROM ${from} GROUP BY layer`,
  )
  return new Map(rows.map((r) => [r.layer, Number(r.n)]))
}

/** Whether an expected row's version is held in quarantine, and in the lake (NULL: the lake is not read). */
function heldAndInLakeSql(c: Compare): { held: string; inLake: string } {
  return {
    held: `EXISTS (SELECT 1 FROM ${c.q} AS q WHERE q._pk = e._pk AND q._version = e._version)`,
    inLake: c.layers.lake
      ? `EXISTS (SELECT 1 FROM ${c.l} AS l WHERE l._pk = e._pk AND l._version = e._version)`
      : 'NULL::BOOLEAN',
  }
}

/** The temp table missing_layer: each expected row the warehouse lacks, by layer; its count per layer. */
async function runCreateMissing(c: Compare): Promise<Map<string, number>> {
  const { db, table, layers, p, ke } = c
  const { held, inLake } = heldAndInLakeSql(c)
  const inProcessed = layers.processed
    ? `EXISTS (SELECT 1 FROM ${p} AS p WHERE ${keyMatchSql(table, 'p', 'e')})`
    : 'NULL::BOOLEAN'
  const layer = `CASE WHEN held THEN 'held' WHEN e._pending THEN 'pending' WHEN in_lake IS NULL THEN 'lake_unknown'
    WHEN NOT in_lake THEN 'not_in_lake' WHEN NOT coalesce(in_processed, true) THEN 'not_processed' ELSE 'not_loaded' END`
  await db.run(`CREATE OR REPLACE TEMP TABLE missing_layer AS SELECT k, o, ${layer} AS layer FROM (
    SELECT ${ke.text} AS k, ${ke.id} AS o, e._pending, ${held} AS held, ${inLake} AS in_lake,
      ${inProcessed} AS in_processed
    FROM ${missingFromSql(c)}) AS e`)
  return runCountByLayer(db, 'missing_layer')
}

/** The temp table stale: each expected row the warehouse holds otherwise, by layer; its count per layer. */
async function runCreateStale(c: Compare): Promise<Map<string, number>> {
  const { db, def, layers, p, ke } = c
  const { held, inLake } = heldAndInLakeSql(c)
  const columns = def.columns.map((col) => quoteIdent(col.name))
  const which = `list_filter([${def.columns
    .map(
      (col) =>
        `CASE WHEN e.${quoteIdent(col.name)} IS DISTINCT FROM w.${quoteIdent(col.name)} THEN ${sqlString(col.name)} END`,
    )
    .join(', ')}], x -> x IS NOT NULL)`
  const agrees = layers.processed
    ? `EXISTS (SELECT 1 FROM ${p} AS p WHERE ${columns.map((col) => `p.${col} IS NOT DISTINCT FROM e.${col}`).join(' AND ')})`
    : 'NULL::BOOLEAN'
  const staleLayer = `CASE WHEN held THEN 'held' WHEN e._pending THEN 'pending' WHEN agrees THEN 'warehouse_only'
    WHEN in_lake IS NULL THEN 'lake_unknown' WHEN NOT in_lake THEN 'not_in_lake' ELSE 'processed_differs' END`
  await db.run(`CREATE OR REPLACE TEMP TABLE stale AS
    SELECT k, o, cols, ${staleLayer} AS layer FROM (
      SELECT ${ke.text} AS k, ${ke.id} AS o, ${which} AS cols, e._pending, ${held} AS held,
        ${inLake} AS in_lake, ${agrees} AS agrees
      FROM ${staleFromSql(c)}) AS e`)
  return runCountByLayer(db, 'stale')
}

/** The stale rows of one layer: count, sampled keys with their differing columns; undefined when none. */
async function runSampleStale(
  db: DuckDb,
  table: WarehouseTable,
  layer: StaleLayer,
): Promise<StaleSample | undefined> {
  const rows = await db.rows<{ n: number | string; k: string; cols: string[] }>(
    `SELECT count(*) OVER () AS n, k, cols FROM stale WHERE layer = '${layer}' ORDER BY o, k LIMIT ${SAMPLE}`,
  )
  if (rows.length === 0) return undefined
  const all = await db.rows<{ c: string }>(
    `SELECT DISTINCT unnest(cols) AS c FROM stale WHERE layer = '${layer}' ORDER BY c`,
  )
  return {
    count: Number(rows[0]?.n ?? 0),
    keys: rows.map((r) => toDisplayKey(table, r.k)),
    columns: all.map((r) => r.c),
    rows: rows.map((r) => ({ key: toDisplayKey(table, r.k), columns: r.cols })),
  }
}

/** Facts: the warehouse's versions against the processed store's, and the processed store's duplicates. */
async function runCompareFactVersions(c: Compare, findings: Findings, found: Found): Promise<void> {
  const { db, table } = c
  if (found.unexpected > 0) findings.unexpected = await sample(db, table, unexpectedFactSql(c))
  if (found.notLoaded > 0) findings.notLoaded = await sample(db, table, notLoadedSql(c))
  if (found.processedDuplicates > 0)
    findings.processedDuplicates = await sample(db, table, processedDuplicatesSql(c), 'CAST(c AS VARCHAR)')
}
