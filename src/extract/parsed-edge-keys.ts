/**
 * Which cursor edge keys are known to parse as the ingestion manifest's codec reads them (see below).
 */
import type { TableCursor } from '../core/manifests/ingestion.ts'

/** A key of the edge: `[primary key, last_updated]`. */
export type EdgeKey = readonly [number, string]

/**
 * Edge keys known to parse as the codec reads them: the keys of cursors the codec itself parsed (the last
 * committed manifest's, recorded as it is read) and those of a probe that passed. The codec checks an
 * edge key by key (an array of `[int, stamp]` tuples, nothing across keys), and a key is frozen when
 * recorded, so a recorded key parses again whatever edge it is in: a probe carries only the keys not
 * recorded. Without this, every key read within the lag (35k with 10k changes a cycle at the CLI's
 * 2-minute lag) was serialised, parsed and checked twice a cycle, ~100 ms of CPU (Finding 12).
 */
const parsedKeys = new WeakSet<EdgeKey>()

/** Whether this very key (the object) is known to parse. */
export function isParsedKey(key: EdgeKey): boolean {
  return parsedKeys.has(key)
}

/** Records every edge key of cursors the codec parsed, or a probe of which passed. */
export function recordParsedCursors(cursors: Iterable<TableCursor>): void {
  for (const cursor of cursors) {
    for (const key of cursor.edge) {
      if (parsedKeys.has(key)) continue
      Object.freeze(key)
      parsedKeys.add(key)
    }
  }
}
