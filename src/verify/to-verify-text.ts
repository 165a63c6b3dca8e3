/**
 * The verify report for a person: what was compared, a verdict per table with the counts of each layer
 * and what each count means, what is held in quarantine, then each difference with its cause and
 * repair, and what could not be checked. Pure.
 */
import type { VerifyReport } from './verify-report.ts'

const n = (value: number | null | undefined) =>
  value === null || value === undefined ? '?' : value.toLocaleString('en-US')
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

function table(head: readonly string[], rows: readonly (readonly string[])[], left = 1): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) =>
        i < left || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd()
  return [line(head), ...rows.map(line)]
}

export const LEGEND = [
  'columns:',
  '  source     rows the source maps to the table now: one per row of the source table it is made from',
  '  lake       distinct versions (primary key, last_updated) of that source table in the loaded ingestion',
  '             batches: its history; a version the lake took twice (it is at-least-once) counts once',
  "  processed  distinct keys in the loaded processed batches: a dimension's ids, a fact's versions",
  "  warehouse  rows of the table: a dimension's current rows, a fact's versions (its history)",
  '  lag        source rows changed after the loaded watermark: not loaded yet, by design',
  '  pending    expected rows not loaded yet but within EXTRACT_LAG of the watermark: may still arrive',
  '  held       expected rows absent (or older) in the warehouse because their version is in quarantine',
  '  When they agree: processed = warehouse; a dimension also has source = warehouse once nothing is lag,',
  '  pending or held; a fact keeps every version, so warehouse ≥ source, and lake - processed = held versions.',
]

const VERDICT_TEXT = { clean: 'clean', differences: 'DIFFERS', could_not_check: 'not checked' } as const

export function toVerifyText(report: VerifyReport): string {
  const out: string[] = []
  out.push(
    report.loadedBatches === 0
      ? 'verify: the warehouse holds no loaded batch'
      : `verify: ${report.loadedBatches} loaded batch(es), ${report.firstBatch} to ${report.lastBatch}, compared up to each table's watermark`,
  )
  pushSourceTables(out, report)
  pushWarehouseTables(out, report)
  pushQuarantine(out, report.quarantine)
  const unchecked = report.tables.filter((t) => t.verdict === 'could_not_check' && t.reason)
  pushProblems(out, report, unchecked)
  pushSummary(out, report, unchecked)
  return out.join('\n')
}

type Unchecked = VerifyReport['tables']

/** The source tables: rows now, in the lake, versions, repeats, watermark (when anything was read). */
function pushSourceTables(out: string[], report: VerifyReport): void {
  if (report.sourceTables.some((s) => s.sourceRows !== null || s.lakeRows !== null)) {
    out.push(
      '',
      ...table(
        ['source table', 'rows now', 'lake rows', 'versions', 'repeats', 'watermark'],
        report.sourceTables.map((s) => [
          s.table,
          s.problem ? 'unreadable' : n(s.sourceRows),
          n(s.lakeRows),
          n(s.lakeVersions),
          n(s.lakeRepeats),
          s.watermark ?? '-',
        ]),
      ),
      '  (repeats: versions the lake holds in more than one batch; at-least-once, not a difference)',
    )
  }
}

/** The warehouse tables: counts per layer and the verdict, then the legend. */
function pushWarehouseTables(out: string[], report: VerifyReport): void {
  out.push(
    '',
    ...table(
      ['warehouse table', 'source', 'lake', 'processed', 'warehouse', 'lag', 'pending', 'held', 'verdict'],
      report.tables.map((t) => {
        const date = t.table === 'dim_date' && report.dimDate.first
        const verdict = `${VERDICT_TEXT[t.verdict]}${date ? ` (${report.dimDate.first} to ${report.dimDate.last})` : ''}`
        const c = t.counts
        return t.table === 'dim_date'
          ? [t.table, '-', '-', n(c.processed), n(c.warehouse), '-', '-', '-', verdict]
          : [
              t.table,
              n(c.source),
              n(c.lake),
              n(c.processed),
              n(c.warehouse),
              n(c.lag),
              n(c.pending),
              n(c.quarantined),
              verdict,
            ]
      }),
    ),
    '  (? = could not be counted)',
    '',
    ...LEGEND,
    '',
  )
}

/** What quarantine holds, per table, with its reasons and where. */
function pushQuarantine(out: string[], q: VerifyReport['quarantine']): void {
  if (q.rows === null) out.push(`quarantine: could not be read (${q.where})`)
  else if (q.rows === 0) out.push(`quarantine: nothing held (${q.where})`)
  else {
    out.push(
      `quarantine: ${n(q.rows)} row(s) held in ${n(q.entries)} entr${q.entries === 1 ? 'y' : 'ies'} under ${q.where} (\`totesys-etl quarantine list\`, then \`quarantine replay\` once fixed)`,
    )
    for (const h of q.tables) {
      out.push(
        `  ${h.table}: ${n(h.rows)} row(s) in ${h.entries} entr${h.entries === 1 ? 'y' : 'ies'}: ${h.reasons
          .slice(0, 3)
          .map((r) => `${r.reason} (${n(r.rows)})`)
          .join('; ')}`,
      )
      for (const where of h.where.slice(0, 3)) out.push(`    ${where}`)
      if (h.where.length > 3) out.push(`    and ${h.where.length - 3} more`)
    }
  }
}

/** Systems that could not be read, tables not checked, and each difference with cause and repair. */
function pushProblems(out: string[], report: VerifyReport, unchecked: Unchecked): void {
  if (report.unavailable.length > 0) {
    out.push('', 'could not read:')
    for (const u of report.unavailable) out.push(`  ✗ the ${u.system} (${u.description}): ${u.reason}`)
  }
  if (unchecked.length > 0 && report.unavailable.length === 0) {
    out.push('', `not checked (${unchecked.length}):`)
    for (const t of unchecked) {
      out.push(`  ? ${t.table}: ${t.reason}`)
      if (/no longer matches the contract/.test(t.reason ?? ''))
        out.push(
          '      repair: restore the column or table at the source; `totesys-etl schema list` shows what changed',
        )
    }
  }
  if (report.differences.length > 0) {
    out.push('', `differences (${report.differences.length}):`)
    for (const d of report.differences) {
      out.push(`  ✗ ${d.message}`, `      cause:  ${d.cause}`, `      repair: ${d.repair}`)
    }
  }
}

/** How long each phase took, and the one-line verdict. */
function pushSummary(out: string[], report: VerifyReport, unchecked: Unchecked): void {
  const q = report.quarantine
  const total = Object.values(report.timings).reduce((a, b) => a + b, 0)
  out.push(
    '',
    `took ${seconds(total)} (${Object.entries(report.timings)
      .map(([phase, ms]) => `${phase} ${seconds(ms)}`)
      .join(', ')})`,
  )
  const held = q.rows ? `; ${n(q.rows)} row(s) held in quarantine, listed above` : ''
  if (report.verdict === 'clean')
    out.push(`verify: clean: source, lake and warehouse agree up to the loaded watermarks${held}`)
  else if (report.verdict === 'differences')
    out.push(
      `verify: ${report.differences.length} difference(s)${unchecked.length ? `, ${unchecked.length} table(s) not checked` : ''}${held}`,
    )
  else
    out.push(
      `verify: could not check everything: ${[
        ...report.unavailable.map((u) => `the ${u.system} could not be read`),
        ...(report.loadedBatches === 0 && report.unavailable.length === 0
          ? ['nothing is loaded yet: run `totesys-etl run`']
          : []),
        ...(report.unavailable.length === 0 && report.loadedBatches > 0
          ? [`${unchecked.length} table(s) not checked`]
          : []),
      ].join('; ')}`,
    )
}
