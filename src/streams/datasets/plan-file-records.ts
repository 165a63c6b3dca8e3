/**
 * A dataset file's bytes split into records (pure), for any bytes at all: it returns either the records
 * (each with its problem, if any) or the reason the whole file cannot hold records; it never throws. JSON
 * nested deeper than MAX_JSON_DEPTH is refused before it is parsed: every later step (checks, quarantine
 * files, logs) serialises values recursively, and 5,000 levels overflow the stack there.
 */

/** Deeper than any record of a typed table needs (a record is an object of scalars). */
export const MAX_JSON_DEPTH = 64

export type FileRecords =
  | { readonly ok: true; readonly records: readonly { readonly record: unknown; readonly error?: string }[] }
  | { readonly ok: false; readonly reason: string }

const OPEN = new Set(['[', '{'])
const CLOSE = new Set([']', '}'])

/** The deepest nesting of arrays and objects in JSON text (strings skipped), counting past `limit` no further. */
export function toJsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (OPEN.has(c)) {
      depth++
      if (depth > deepest) deepest = depth
      if (deepest > limit) return deepest
    } else if (CLOSE.has(c)) depth--
  }
  return deepest
}

/** Parses one JSON text whose depth is bounded, or says why not (`what` is "the file" or "the line"). */
function parseBounded(
  text: string,
  what: string,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (toJsonDepth(text) > MAX_JSON_DEPTH)
    return { ok: false, reason: `${what} is nested more than ${MAX_JSON_DEPTH} levels deep` }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (error) {
    return {
      ok: false,
      reason:
        what === 'the line' ? 'the line is not JSON' : `${what} is not JSON: ${(error as Error).message}`,
    }
  }
}

/** Splits a file into records: a .json file holds an array of records, a .jsonl/.ndjson file one per line. */
export function planFileRecords(key: string, bytes: Uint8Array): FileRecords {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return { ok: false, reason: 'the file is not UTF-8 text' }
  }
  if (/\.(jsonl|ndjson)$/i.test(key)) {
    const lines = text.split('\n')
    if (lines.at(-1)?.trim() === '') lines.pop()
    return {
      ok: true,
      records: lines.map((line) => {
        const parsed = parseBounded(line, 'the line')
        // A line that cannot be a record is held as (the start of) its text, which any later step can store.
        return parsed.ok ? { record: parsed.value } : { record: line.slice(0, 500), error: parsed.reason }
      }),
    }
  }
  const parsed = parseBounded(text, 'the file')
  if (!parsed.ok) return parsed
  if (!Array.isArray(parsed.value)) return { ok: false, reason: 'a .json file must hold an array of records' }
  return { ok: true, records: parsed.value.map((record: unknown) => ({ record })) }
}
