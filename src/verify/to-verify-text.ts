/** The verify report for a person: one summary table, then each difference on its own line. Pure. */
import { SOURCE_TABLES } from '../core/catalogue.ts'
import { WAREHOUSE_TABLES } from '../core/warehouse-catalogue.ts'
import type { VerifyReport } from './run-verify.ts'

export function toVerifyText(report: VerifyReport): string {
  const lines: string[] = []
  lines.push(`batches loaded: ${report.loadedBatches}`)
  lines.push('', 'source table       source   lake rows  watermark')
  for (const t of SOURCE_TABLES) {
    lines.push(
      `${t.padEnd(16)} ${String(report.sourceRows[t] ?? '-').padStart(8)} ${String(report.ingestionRows[t] ?? 0).padStart(11)}  ${report.watermarks[t] ?? '-'}`,
    )
  }
  lines.push('', 'warehouse table       processed  warehouse    lag  pending')
  for (const t of WAREHOUSE_TABLES) {
    const check = report.tables.find((c) => c.table === t)
    lines.push(
      `${t.padEnd(20)} ${String(report.processedRows[t] ?? 0).padStart(10)} ${String(report.warehouseRows[t] ?? 0).padStart(10)} ${String(check?.lag ?? 0).padStart(6)} ${String(check?.pending.length ?? 0).padStart(8)}`,
    )
  }
  lines.push('')
  if (report.clean) lines.push('verify: clean (source, lake and warehouse agree up to the loaded watermarks)')
  else {
    lines.push(`verify: ${report.problems.length} difference(s)`)
    for (const problem of report.problems) lines.push(`  - ${problem}`)
  }
  return lines.join('\n')
}
