/**
 * CSV exactly as PostgreSQL's `COPY … TO STDOUT (FORMAT csv, HEADER true)` writes it, so a batch read
 * from the log is byte-compatible with one the cursor extract copied: NULL is an empty field, an empty
 * string is `""`, and a value is quoted (quotes doubled) when it holds a comma, a quote, CR or LF.
 * PostgreSQL also quotes a lone `\.`, but only for a single-column table: never one of ours.
 */

const NEEDS_QUOTE = /[",\r\n]/

/** One field as COPY's CSV writes it. */
export function toCopyCsvField(value: string | null): string {
  if (value === null) return ''
  if (value === '' || NEEDS_QUOTE.test(value)) return `"${value.replaceAll('"', '""')}"`
  return value
}

/** One line (with its newline) as COPY's CSV writes it. */
export function toCopyCsvLine(values: readonly (string | null)[]): string {
  return `${values.map(toCopyCsvField).join(',')}\n`
}
