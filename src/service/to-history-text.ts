/** `history` for a person: one aligned line per stage and batch, newest first, then what could not be read. Pure. */
import type { HistoryReport } from './read-history.ts'
import { toProblemLine } from './status-problem.ts'
import { formatCount } from './to-status-text.ts'

/** `0.41 s`, `12.3 s`, `4 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
}

const HEADER = ['when (UTC)', 'stage', 'batch', 'rows', 'duration', 'outcome'] as const

export function toHistoryText(report: HistoryReport): string {
  const table = report.rows.map((r) => [
    r.atMs === null ? '–' : new Date(r.atMs).toISOString().slice(0, 19).replace('T', ' '),
    r.stage,
    r.batchId ?? '–',
    r.rows === null ? '–' : formatCount(r.rows),
    r.ms === null ? '–' : formatDuration(r.ms),
    r.detail ? `${r.outcome}: ${r.detail}` : r.outcome,
  ])
  const widths = HEADER.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)))
  // Numbers are right-aligned, text left-aligned; the outcome (last) is not padded.
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1
          ? c
          : i === 3 || i === 4
            ? c.padStart(widths[i] ?? 0)
            : c.padEnd(widths[i] ?? 0),
      )
      .join('  ')
  const lines =
    report.rows.length === 0
      ? ['no batches or failed runs in this window']
      : [line(HEADER), ...table.map(line)]
  if (report.problems.length > 0)
    lines.push(
      'could not read (rows marked unknown):',
      ...report.problems.map((p) => `  ${toProblemLine(p)}`),
    )
  return lines.join('\n')
}
