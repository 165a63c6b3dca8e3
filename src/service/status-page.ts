/** The status page as HTML, pure: stage states, freshness over time and rows per batch as SVG charts, quarantine. */
import type { StatusReport } from './run-status.ts'

export interface StatusHistory {
  /** Freshness samples: [epoch ms, seconds]. */
  readonly freshness: readonly (readonly [number, number])[]
  /** Rows per loaded batch: [batch id, rows]. */
  readonly batches: readonly (readonly [string, number])[]
  /** Recent alerts and failures, newest last. */
  readonly events: readonly { readonly at: number; readonly level: string; readonly message: string }[]
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )

const W = 560
const H = 140

/** A polyline chart of y over x, scaled to fit. */
export function toLineChart(points: readonly (readonly [number, number])[], label: string): string {
  if (points.length === 0) return `<p class="empty">no ${escapeHtml(label)} yet</p>`
  const xs = points.map((p) => p[0])
  const ys = points.map((p) => p[1])
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)]
  const y1 = Math.max(1, ...ys)
  const px = (x: number) => (x1 === x0 ? W / 2 : ((x - x0) / (x1 - x0)) * (W - 40) + 30)
  const py = (y: number) => H - 20 - (y / y1) * (H - 40)
  const path = points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')
  return `<svg role="img" aria-label="${escapeHtml(label)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
  <line x1="30" y1="${H - 20}" x2="${W - 10}" y2="${H - 20}" stroke="#999"/>
  <text x="2" y="${py(y1) + 4}" font-size="10">${y1.toFixed(0)}</text><text x="2" y="${H - 16}" font-size="10">0</text>
  <polyline fill="none" stroke="#1f6feb" stroke-width="2" points="${path}"/></svg>`
}

/** A bar chart of values by label. */
export function toBarChart(bars: readonly (readonly [string, number])[], label: string): string {
  if (bars.length === 0) return `<p class="empty">no ${escapeHtml(label)} yet</p>`
  const max = Math.max(1, ...bars.map((b) => b[1]))
  const width = (W - 40) / bars.length
  const rects = bars
    .map(([name, value], i) => {
      const h = (Math.log10(value + 1) / Math.log10(max + 1)) * (H - 40)
      return `<rect x="${(30 + i * width).toFixed(1)}" y="${(H - 20 - h).toFixed(1)}" width="${Math.max(1, width - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#2da44e"><title>batch ${escapeHtml(name)}: ${value} rows</title></rect>`
    })
    .join('')
  return `<svg role="img" aria-label="${escapeHtml(label)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
  <line x1="30" y1="${H - 20}" x2="${W - 10}" y2="${H - 20}" stroke="#999"/>${rects}
  <text x="2" y="14" font-size="10">${max}</text><text x="2" y="${H - 16}" font-size="10">0</text></svg>`
}

/** The whole page. */
export function toStatusHtml(status: StatusReport, history: StatusHistory): string {
  const w = status.warehouse
  const fresh = w.freshnessSeconds === null ? '–' : `${w.freshnessSeconds.toFixed(1)} s`
  const stage = (name: string, last: string | null, pending: number | null) =>
    `<tr><td>${name}</td><td data-testid="${name}-last">${last ?? '–'}</td><td>${pending ?? ''}</td></tr>`
  const rows = Object.entries(w.rows)
    .map(([table, n]) => `<tr><td>${table}</td><td class="num">${n}</td></tr>`)
    .join('')
  const quarantine =
    status.quarantine.open.length === 0
      ? '<p data-testid="quarantine-empty">nothing held</p>'
      : `<table><tr><th>entry</th><th>table</th><th>rows</th><th>reason</th></tr>${status.quarantine.open
          .map(
            (q) =>
              `<tr><td>${escapeHtml(q.id)}</td><td>${escapeHtml(q.table)}</td><td class="num">${q.rows}</td><td>${escapeHtml(q.reason)}</td></tr>`,
          )
          .join('')}</table>`
  const events = history.events
    .slice(-10)
    .reverse()
    .map(
      (e) =>
        `<li><time>${new Date(e.at).toISOString().slice(11, 19)}</time> ${escapeHtml(e.level)} ${escapeHtml(e.message)}</li>`,
    )
    .join('')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>totesys-etl status</title>
<meta http-equiv="refresh" content="5"><style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1f2328;max-width:1200px}
h1{font-size:20px}h2{font-size:15px;margin:20px 0 6px}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left}
.num{text-align:right}.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}.big{font-size:28px;font-weight:600}
.empty{color:#777}</style></head><body>
<h1>totesys-etl</h1>
<div class="grid"><div><h2>freshness</h2><div class="big" data-testid="freshness">${fresh}</div>
<div>newest change loaded: ${w.newestChange ?? '–'}</div>${toLineChart(history.freshness, 'freshness (s) over time')}</div>
<div><h2>rows per batch</h2>${toBarChart(history.batches, 'rows per loaded batch')}</div></div>
<div class="grid"><div><h2>stages</h2><table><tr><th>stage</th><th>last batch</th><th>pending</th></tr>
${stage('extract', status.ingestion.lastBatch, null)}${stage('transform', status.processed.lastBatch, status.processed.pending)}${stage('load', w.lastBatch, w.pending)}</table>
<h2>quarantine</h2>${quarantine}<h2>recent alerts</h2><ul data-testid="events">${events}</ul></div>
<div><h2>warehouse rows</h2><table>${rows}</table></div></div></body></html>`
}
