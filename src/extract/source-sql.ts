/**
 * The SQL the extract runs against the source, built from the catalogue only. Values travel as
 * parameters, or (for COPY, which takes no parameters) as transaction-local settings that were
 * themselves set through parameters: nothing a user passes is ever spliced into SQL text.
 */
import { CURSOR_COLUMN, type SourceTableDef } from '../core/source-catalogue.ts'
import { quoteIdent } from '../core/sql-ident.ts'
import { CURSOR_TS_FORMAT } from './plan-cursor.ts'

/** Transaction-local settings that carry the window into COPY. */
export const WINDOW_SETTINGS = {
  lowerBound: 'totesys_etl.lower_bound',
  edgeIds: 'totesys_etl.edge_ids',
  edgeMs: 'totesys_etl.edge_ms',
  offEdgeIds: 'totesys_etl.edge_off_ids',
  offEdgeTimestamps: 'totesys_etl.edge_off_ts',
  rowLimit: 'totesys_etl.row_limit',
  tids: 'totesys_etl.tids',
} as const

/**
 * Sets the window for the next statements of the transaction: $1 the cursor's hi (or '-infinity'), $5 the
 * lag in ms (the lower bound is hi - lag, computed here by the source), the edge (toEdgeArrays): $2 its
 * on-axis ids, $3 their stamps in ms since 1970, $6 its off-axis ids, $7 their stamps; $4 the most rows to
 * read (the batch's remaining row budget).
 */
export const SET_WINDOW_SQL = `SELECT set_config('${WINDOW_SETTINGS.lowerBound}',
    CASE WHEN $1::text = '-infinity' THEN '-infinity'
      ELSE ($1::timestamp - $5::int * interval '1 millisecond')::text END, true),
  set_config('${WINDOW_SETTINGS.edgeIds}', $2, true),
  set_config('${WINDOW_SETTINGS.edgeMs}', $3, true),
  set_config('${WINDOW_SETTINGS.rowLimit}', $4::bigint::text, true),
  set_config('${WINDOW_SETTINGS.offEdgeIds}', $6, true),
  set_config('${WINDOW_SETTINGS.offEdgeTimestamps}', $7, true)`

/**
 * Sets the window rows' tuple ids ($1, a tid[] literal the sizing query returned in this transaction), so
 * the COPY that follows fetches those rows by tid instead of scanning the table again.
 */
export const SET_WINDOW_TIDS_SQL = `SELECT set_config('${WINDOW_SETTINGS.tids}', $1, true)`

/**
 * Up to this many rows, the sizing query returns the window's tuple ids and the COPY reads the rows by tid
 * (a TID scan: microseconds per row) rather than scanning the whole table a second time; a larger window
 * (a first load's batch) is most of what a scan reads anyway, and its tid list would be megabytes of text.
 */
export const TID_COPY_MAX_ROWS = 20_000

/**
 * Makes every value's text form fixed regardless of the server's or role's defaults. The session's
 * TimeZone does not touch `timestamp without time zone`, but `now()` below is read in UTC.
 */
export const SESSION_SQL =
  "SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL TimeZone = 'UTC'"

/** The source's clock (naive UTC) and the columns of one table, as the source has them now. */
export const NOW_SQL = `SELECT to_char(now() AT TIME ZONE 'UTC', '${CURSOR_TS_FORMAT}') AS now`

/** The columns of the tables `names` lists (a text[] expression), in its order and each table's column order. */
const columnsSql = (names: string) => `SELECT s.name AS table_ref, a.attname AS name,
    format_type(a.atttypid, a.atttypmod) AS pg_type, t.typname AS type_name, t.typtype AS type_kind,
    NOT a.attnotnull AS nullable
  FROM unnest(${names}) WITH ORDINALITY AS s(name, i)
  JOIN pg_attribute a ON a.attrelid = to_regclass(s.name)
  JOIN pg_type t ON t.oid = a.atttypid
  WHERE a.attnum > 0 AND NOT a.attisdropped
  ORDER BY s.i, a.attnum`

/**
 * The columns of several tables in one round trip ($1: their names, schema-qualified and quoted); a table
 * the source lacks has no rows.
 */
export const COLUMNS_OF_TABLES_SQL = columnsSql('$1::text[]')

/** The columns of one table ($1: its name, schema-qualified and quoted). */
export const COLUMNS_SQL = columnsSql('ARRAY[$1::text]')

/**
 * The timestamp (without time zone) of an on-axis edge stamp sent as milliseconds since 1970 (`ms`, a
 * bigint expression; toEdgeArrays), in exact arithmetic: whole days onto the date, then the milliseconds
 * of the day. (A bigint times `interval '1 millisecond'` goes through float8 and misses by microseconds
 * far from 1970.)
 */
export function edgeStampSql(ms: string): string {
  return `('1970-01-01'::date + (${ms} / 86400000)::int + (${ms} % 86400000) * interval '1 millisecond')`
}

/**
 * The rows of the window: at or after the lower bound, or off the time axis, minus the keys already read
 * (the edge). The table has no index on last_updated, so the extra test rides the same sequential scan.
 */
function windowPredicate(def: SourceTableDef): string {
  const pk = `t.${quoteIdent(def.primaryKey)}`
  const lu = `t.${quoteIdent(CURSOR_COLUMN)}`
  // Scalar subqueries turn each setting into an InitPlan: read and cast once, not once per row.
  // A stamp before year 1 is behind every lower bound; it is read too (once: the edge holds it after).
  return `(${lu} >= (SELECT current_setting('${WINDOW_SETTINGS.lowerBound}')::timestamp) OR ${lu} < '0001-01-01')
    AND NOT EXISTS (
      SELECT 1 FROM unnest(
        (SELECT current_setting('${WINDOW_SETTINGS.edgeIds}')::int[]),
        (SELECT current_setting('${WINDOW_SETTINGS.edgeMs}')::bigint[])
      ) AS e(id, ms)
      WHERE e.id = ${pk} AND ${edgeStampSql('e.ms')} = ${lu})
    AND NOT EXISTS (
      SELECT 1 FROM unnest(
        (SELECT current_setting('${WINDOW_SETTINGS.offEdgeIds}')::int[]),
        (SELECT current_setting('${WINDOW_SETTINGS.offEdgeTimestamps}')::timestamp[])
      ) AS e(id, ts)
      WHERE e.id = ${pk} AND e.ts = ${lu})`
}

/**
 * The window in (last_updated, pk) order, cut at the row limit: a prefix in time, so the rows it leaves
 * out all come at or after the last one it keeps, and the cursor (hi, edge) after it covers them. The
 * order is total (pk is unique), so the sizing query and the COPY below select the same rows.
 */
function windowSelect(def: SourceTableDef, columns: string, also = ''): string {
  const pk = `t.${quoteIdent(def.primaryKey)}`
  const lu = `t.${quoteIdent(CURSOR_COLUMN)}`
  return `SELECT ${columns} FROM public.${quoteIdent(def.name)} t WHERE ${windowPredicate(def)}${also}
    ORDER BY ${lu}, ${pk}
    LIMIT (SELECT current_setting('${WINDOW_SETTINGS.rowLimit}')::bigint)`
}

/** A stamp the cursor can order: year 1 to 9999 (so also finite). `x` is a timestamp expression. */
function onAxis(x: string): string {
  return `(${x} >= '0001-01-01' AND ${x} < '10000-01-01')`
}

/**
 * One scan that sizes the window: row count, the on-axis last_updated range, the cutoff
 * `max(hi, min(newest, now)) - lag`, the on-axis keys at or after it (the next edge), the off-axis keys
 * still held (read now, or in the previous edge and still carrying that stamp: found by primary key),
 * and how many rows are stamped after the source's clock or off its time axis.
 * With at most $4 rows (and at least one), also the window's tuple ids (`tids`, a tid[] literal) for
 * windowCopySql's TID path; else null.
 * $1 = previous hi (or null), $2 = lag in ms, $3 = the source's clock (naive UTC), $4 = TID_COPY_MAX_ROWS.
 */
export function windowStatsSql(def: SourceTableDef): string {
  const keys = `t.${quoteIdent(def.primaryKey)} AS id, t.${quoteIdent(CURSOR_COLUMN)} AS lu, t.ctid AS tid`
  const held = `SELECT e.id, e.ts FROM unnest(
        (SELECT current_setting('${WINDOW_SETTINGS.offEdgeIds}')::int[]),
        (SELECT current_setting('${WINDOW_SETTINGS.offEdgeTimestamps}')::timestamp[])) AS e(id, ts)
      WHERE NOT ${onAxis('e.ts')} AND EXISTS (SELECT 1 FROM public.${quoteIdent(def.name)} t
        WHERE t.${quoteIdent(def.primaryKey)} = e.id AND t.${quoteIdent(CURSOR_COLUMN)} = e.ts)
      UNION SELECT win.id, win.lu FROM win WHERE NOT ${onAxis('win.lu')}`
  return `WITH win AS (${windowSelect(def, keys)}
  ), span AS (
    SELECT count(*)::int AS rows,
      min(lu) FILTER (WHERE ${onAxis('lu')}) AS lo, max(lu) FILTER (WHERE ${onAxis('lu')}) AS hi,
      count(*) FILTER (WHERE NOT ${onAxis('lu')})::int AS off_axis,
      count(*) FILTER (WHERE ${onAxis('lu')} AND lu > $3::timestamp)::int AS future
    FROM win
  ), agg AS (
    SELECT span.*, greatest(CASE WHEN span.hi IS NOT NULL THEN least(span.hi, $3::timestamp) END, $1::timestamp)
      - $2::int * interval '1 millisecond' AS cutoff
    FROM span
  )
  SELECT agg.rows, agg.off_axis, agg.future,
    to_char(agg.lo, '${CURSOR_TS_FORMAT}') AS min_last_updated,
    to_char(agg.hi, '${CURSOR_TS_FORMAT}') AS max_last_updated,
    to_char(agg.cutoff, '${CURSOR_TS_FORMAT}') AS cutoff,
    (SELECT coalesce(json_agg(json_build_array(win.id, to_char(win.lu, '${CURSOR_TS_FORMAT}')) ORDER BY win.lu, win.id), '[]'::json)
       FROM win WHERE ${onAxis('win.lu')} AND win.lu >= agg.cutoff) AS edge,
    (SELECT coalesce(json_agg(json_build_array(h.id, h.ts::text) ORDER BY h.id), '[]'::json)
       FROM (${held}) AS h(id, ts)) AS off_axis_keys,
    CASE WHEN agg.rows BETWEEN 1 AND $4::int THEN (SELECT array_agg(win.tid)::text FROM win) END AS tids
  FROM agg`
}

/**
 * Streams the window's rows (the same as the sizing query's), every column the source has, as CSV. With
 * `byTid`, the rows are also restricted to the tuple ids the sizing query found (SET_WINDOW_TIDS_SQL): in
 * the same snapshot every window row keeps its tid, so the extra test removes no window row and admits no
 * other (the window predicate, order and limit still apply), and the planner reads by TID scan.
 */
export function windowCopySql(def: SourceTableDef, byTid = false): string {
  const select = windowSelect(def, 't.*', byTid ? tidPredicate() : '')
  return `COPY (${select}) TO STDOUT (FORMAT csv, HEADER true)`
}

/** The rows whose tuple id the sizing query found; an InitPlan, so the list is cast once. */
function tidPredicate(): string {
  return ` AND t.ctid = ANY(ARRAY(SELECT unnest(current_setting('${WINDOW_SETTINGS.tids}')::tid[])))`
}

/**
 * The change signal (plan-idle-skip.ts), read in its own statement before the batch's snapshot, so every
 * commit it has seen finished is visible to the read that follows. Every function is open to PUBLIC.
 */
export const CHANGE_SIGNAL_SQL = `SELECT pg_current_snapshot()::text AS snapshot,
    pg_postmaster_start_time()::text AS server_started_at, pg_is_in_recovery() AS in_recovery,
    (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS at_ms`
