/** `status` for a person: one line per stage, freshness per source table, quarantine, warehouse rows. Pure. */
import type { StatusReport } from './run-status.ts'
import { type StatusProblem, type StatusSystem, toProblemLine } from './status-problem.ts'

/** `1,630`. */
export const formatCount = (n: number): string => n.toLocaleString('en-US')

/** `42 s`, `3 min`, `2 h 05 min`, `3 d 4 h`: an age a person reads at a glance. */
export function formatAge(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 120) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min`
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`
}

/** `2026-11-30 06:19:05 UTC` of epoch ms. */
export const formatUtc = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`

/** Why a part is unknown, in a few words, pointing at the full reason below. */
function unknown(problems: readonly StatusProblem[], ...systems: StatusSystem[]): string {
  const p = problems.find((x) => systems.includes(x.system))
  return `UNKNOWN: ${p ? `${p.system} ${p.kind}` : 'not read'} (see below)`
}

/** Deleted source rows, kept in the star schemas as history (logical mode's etl.source_deletes). */
function toSourceDeletesLines(deletes: Readonly<Record<string, number>>): string[] {
  const total = Object.values(deletes).reduce((a, n) => a + n, 0)
  return [
    `source deletes ${formatCount(total)} (etl.source_deletes; their warehouse rows stay as history)`,
    ...Object.entries(deletes).map(([t, n]) => `  ${t.padEnd(22)} ${formatCount(n).padStart(12)}`),
  ]
}

export function toStatusText(s: StatusReport): string {
  const { ingestion: i, processed: p, warehouse: w, quarantine: q, problems } = s
  const pending = (n: number | null, ...systems: StatusSystem[]) =>
    n === null ? `pending ${unknown(problems, ...systems)}` : `${formatCount(n)} pending`
  const lines = [
    i
      ? `extract    last batch ${i.lastBatch ?? '–'}${i.lastBatchAt ? ` taken ${i.lastBatchAt} (source clock)` : ''}, ${formatCount(i.batches)} committed`
      : `extract    ${unknown(problems, 'ingestion store')}`,
    p
      ? `transform  last batch ${p.lastBatch ?? '–'}, ${pending(p.pending, 'ingestion store')}`
      : `transform  ${unknown(problems, 'processed store')}`,
    w
      ? `load       last batch ${w.lastBatch ?? '–'}${w.lastLoadedAtMs === null ? '' : ` loaded ${formatUtc(w.lastLoadedAtMs)}`}, ${pending(w.pending, 'processed store')}`
      : `load       ${unknown(problems, 'warehouse')}`,
  ]
  if (w) {
    lines.push(
      `freshness  newest change loaded ${w.newestChange ?? '– (nothing loaded yet)'}${w.freshnessSeconds === null ? '' : ` (${formatAge(w.freshnessSeconds)} ago)`}`,
      ...w.tables.map((t) =>
        `  ${t.table.padEnd(22)} ${(t.newestChange ?? '–').padEnd(23)}  ${t.freshnessSeconds === null ? '' : `${formatAge(t.freshnessSeconds)} ago`}`.trimEnd(),
      ),
    )
  } else lines.push(`freshness  ${unknown(problems, 'warehouse')}`)
  if (q) {
    lines.push(
      `quarantine ${q.entries} open entr${q.entries === 1 ? 'y' : 'ies'}, ${formatCount(q.rows)} rows`,
      ...q.open.map((e) => `  ${e.id} ${e.table} ${formatCount(e.rows)} rows: ${e.reason}`),
    )
  } else lines.push(`quarantine ${unknown(problems, 'ingestion store')}`)
  if (w) {
    lines.push(
      'warehouse rows',
      ...Object.entries(w.rows).map(([t, n]) => `  ${t.padEnd(22)} ${formatCount(n ?? 0).padStart(12)}`),
    )
    if (w.sourceDeletes !== null) lines.push(...toSourceDeletesLines(w.sourceDeletes))
  } else lines.push(`warehouse rows ${unknown(problems, 'warehouse')}`)
  if (problems.length > 0) lines.push('could not read:', ...problems.map((x) => `  ${toProblemLine(x)}`))
  return lines.join('\n')
}
