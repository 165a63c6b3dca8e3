/**
 * Which cursor edges are known to parse as the ingestion manifest's codec reads them: the edges of the
 * last committed manifest, recorded as the codec parsed them, and those of a probe that passed
 * (check-committable.ts). The codec checks an edge key by key (an array of `[int, stamp]` tuples, nothing
 * across keys), and edges are readonly, so such an edge, or any of its keys in another edge, parses
 * again. Without this, every key read within the lag (35k with 10k changes a cycle at the CLI's 2-minute
 * lag) was serialised, parsed and checked twice a cycle, and checked again for the window's SQL: ~100 ms
 * of CPU a cycle (Finding 12). One entry per edge array, not per key: recording 35k keys one by one
 * cost ~20 ms a cycle itself.
 */
import type { TableCursor } from '../core/manifests/ingestion.ts'

const parsedEdges = new WeakSet<TableCursor['edge']>()

/** Whether this very edge array is known to parse. */
export function isParsedEdge(edge: TableCursor['edge']): boolean {
  return parsedEdges.has(edge)
}

/** Records the edges of cursors the codec parsed, or a probe of which passed. */
export function recordParsedEdges(cursors: Iterable<TableCursor>): void {
  for (const cursor of cursors) parsedEdges.add(cursor.edge)
}
