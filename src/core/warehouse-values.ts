/**
 * What the warehouse can hold, as pure DuckDB SQL conditions over a source value's text (the form the
 * ingestion CSV carries). Declared once here so the stage that checks rows (the transform's row checks,
 * which quarantine a failing row with its reason) and the extract's own notion of the time axis agree:
 * a date or timestamp must be written `YYYY-MM-DD…` with a year from 1 to 9999; `infinity`, BC stamps
 * and year 0 (which DuckDB reads as 1 BC and PostgreSQL refuses) are not.
 */

/** The first and last day a warehouse date (and dim_date) can hold. */
export const WAREHOUSE_DATE_RANGE = { first: '0001-01-01', last: '9999-12-31' } as const

const TIMESTAMP_TEXT = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?`
const DATE_TEXT = String.raw`\d{4}-\d{2}-\d{2}`

/** True (SQL) when `v`, a text expression, is not a timestamp the warehouse can hold. */
export function toBadTimestampSql(v: string): string {
  return `NOT regexp_full_match(${v}, '${TIMESTAMP_TEXT}') OR TRY_CAST(${v} AS TIMESTAMP) IS NULL OR TRY_CAST(${v} AS TIMESTAMP) < TIMESTAMP '${WAREHOUSE_DATE_RANGE.first}'`
}

/** True (SQL) when `v`, a text expression, is not a date the warehouse can hold. */
export function toBadDateSql(v: string): string {
  return `NOT regexp_full_match(${v}, '${DATE_TEXT}') OR TRY_CAST(${v} AS DATE) IS NULL OR TRY_CAST(${v} AS DATE) < DATE '${WAREHOUSE_DATE_RANGE.first}'`
}

/** The timestamp `v` (text) stands for when the warehouse can hold it, else NULL (SQL). */
export function toHoldableTimestampSql(v: string): string {
  return `CASE WHEN NOT (${toBadTimestampSql(v)}) THEN TRY_CAST(${v} AS TIMESTAMP) END`
}
