/**
 * The status page as HTML, pure: what could not be read (first, in red), the stages, freshness over
 * time and per source table, rows per loaded batch, recent batches per stage, every alert of the last
 * day with its reason, quarantine and warehouse rows. Inline CSS and SVG only: it works offline.
 */
import type { HistoryRow } from './read-history.ts'
import { escapeHtml as e, toBatchBarChart, toTimeChart } from './status-charts.ts'
import type { StatusProblem } from './status-problem.ts'
import type { AlertRow, StatusView } from './status-view.ts'
import { formatDuration } from './to-history-text.ts'
import { formatAge, formatCount } from './to-status-text.ts'

const time = (ms: number | null) =>
  ms === null ? '–' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
/** `11-30 06:54:37`: the year is the page's, in its header. */
const shortTime = (ms: number | null) => (ms === null ? '–' : time(ms).slice(5))
const num = (n: number | null) => (n === null ? '–' : formatCount(n))

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:20px 28px;color:#1f2328;max-width:1280px}
h1{font-size:20px;margin:0}h2{font-size:15px;margin:22px 0 8px}header{display:flex;gap:16px;align-items:baseline}
header .meta{color:#656d76}table{border-collapse:collapse;width:100%}td,th{padding:3px 8px;text-align:left;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-weight:600;color:#424a53}.num{text-align:right;font-variant-numeric:tabular-nums}
.nowrap{white-space:nowrap}.tiles{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin-top:14px}.tile{border:1px solid #d0d7de;border-radius:6px;padding:10px 12px}
.tile .k{color:#656d76;font-size:12px;text-transform:uppercase;letter-spacing:.04em}.tile .v{font-size:22px;font-weight:600}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:24px}.empty{color:#656d76}
.problem{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:8px 12px;margin-top:12px}
.unknown{color:#cf222e;font-weight:600}.ok{color:#1a7f37}.pending{color:#9a6700}.failed,.alert,.error,.failed-run{color:#cf222e}
.warn{color:#9a6700}.resolved{color:#1a7f37}.reason{color:#424a53;font-family:ui-monospace,monospace;font-size:12px;word-break:break-word}
svg.chart .axis{stroke:#8c959f}svg.chart .grid{stroke:#eaeef2}svg.chart .tick{font-size:11px;fill:#57606a}
svg.chart .axis-title{font-size:12px;fill:#24292f}svg.chart .line{fill:none;stroke:#0969da;stroke-width:2}
svg.chart .line-dot{fill:#0969da}svg.chart .bar{fill:#2da44e}`

function problemBanner(p: StatusProblem): string {
  return `<div class="problem" data-testid="problem-${e(p.system.replace(' ', '-'))}"><strong>${e(p.system)} ${e(p.kind)}:</strong> ${e(p.reason)} <span class="reason">(${e(p.where)})</span> — ${e(p.hint)}</div>`
}

const tile = (key: string, value: string, sub: string, testId: string) =>
  `<div class="tile"><div class="k">${e(key)}</div><div class="v" data-testid="${testId}">${value}</div><div>${sub}</div></div>`

function unknownBecause(view: StatusView, system: StatusProblem['system']): string {
  const p = view.problems.find((x) => x.system === system)
  return `<span class="unknown">unknown</span>`.concat(
    p ? ` <span class="unknown">(${e(p.system)} ${e(p.kind)})</span>` : '',
  )
}

function tiles(view: StatusView): string {
  const { ingestion: i, processed: p, warehouse: w, quarantine: q } = view.status
  /** A tile of a part of the report, or "unknown" and why when its system could not be read. */
  const of = <T>(
    part: T | null,
    key: string,
    testId: string,
    system: StatusProblem['system'],
    show: (v: T) => [string, string],
  ) => (part ? tile(key, ...show(part), testId) : tile(key, unknownBecause(view, system), '', testId))
  const pending = (n: number | null) => (n === null ? 'pending unknown' : `${num(n)} pending`)
  const fresh = of(w, 'freshness', 'freshness', 'warehouse', (x) => [
    x.freshnessSeconds === null ? '–' : `${x.freshnessSeconds.toFixed(1)} s`,
    `newest change loaded ${e(x.newestChange ?? 'none yet')}`,
  ])
  const extract = of(i, 'extract', 'extract-last', 'ingestion store', (x) => [
    e(x.lastBatch ?? '–'),
    `${num(x.batches)} batches; taken ${e(x.lastBatchAt ?? '–')}`,
  ])
  const transform = of(p, 'transform', 'transform-last', 'processed store', (x) => [
    e(x.lastBatch ?? '–'),
    pending(x.pending),
  ])
  const load = of(w, 'load', 'load-last', 'warehouse', (x) => [
    e(x.lastBatch ?? '–'),
    `${pending(x.pending)}; at ${time(x.lastLoadedAtMs)}`,
  ])
  const held = of(q, 'quarantine', 'quarantine-open', 'ingestion store', (x) => [
    num(x.entries),
    `open entries, ${num(x.rows)} rows held`,
  ])
  return `<div class="tiles">${fresh}${extract}${transform}${load}${held}</div>`
}

/** A detail short enough for a table cell; the whole text on hover (and in the alerts table). */
const detail = (text: string) =>
  `<span class="reason" title="${e(text)}">${e(text.length > 80 ? `${text.slice(0, 77)}…` : text)}</span>`

function recentTable(rows: readonly HistoryRow[]): string {
  if (rows.length === 0) return '<p class="empty">no batches yet</p>'
  return `<table data-testid="recent-batches"><tr><th>time (UTC)</th><th>stage</th><th>batch</th><th class="num">rows</th><th class="num">duration</th><th>outcome</th></tr>${rows
    .map(
      (r) =>
        `<tr><td class="nowrap">${shortTime(r.atMs)}</td><td>${e(r.stage)}</td><td>${e(r.batchId ?? '–')}</td><td class="num">${num(r.rows)}</td><td class="num">${r.ms === null ? '–' : formatDuration(r.ms)}</td><td><span class="${r.outcome === 'loaded' || r.outcome === 'committed' ? 'ok' : r.outcome}">${e(r.outcome)}</span>${r.detail ? ` ${detail(r.detail)}` : ''}</td></tr>`,
    )
    .join('')}</table>`
}

function alertsTable(alerts: readonly AlertRow[], from: StatusView['alertsFrom']): string {
  const note =
    from === 'status store'
      ? ''
      : '<p class="unknown">the status store could not be read: only this process’s own alerts are shown</p>'
  if (alerts.length === 0)
    return `${note}<p class="empty" data-testid="alerts-empty">no alerts in the last 24 hours</p>`
  return `${note}<table data-testid="alerts"><tr><th>time (UTC)</th><th>level</th><th>raised by</th><th>alert</th><th>reason</th></tr>${alerts
    .map(
      (a) =>
        `<tr><td class="nowrap">${shortTime(a.atMs)}</td><td class="${a.level.replace(' ', '-')}">${e(a.level)}</td><td>${e(a.command)}</td><td>${e(a.message)}</td><td class="reason">${e(a.reason)}</td></tr>`,
    )
    .join('')}</table>`
}

function tableFreshness(view: StatusView): string {
  const w = view.status.warehouse
  if (!w) return `<p>${unknownBecause(view, 'warehouse')}</p>`
  return `<table data-testid="table-freshness"><tr><th>source table</th><th>newest change loaded</th><th class="num">age</th></tr>${w.tables
    .map(
      (t) =>
        `<tr><td>${e(t.table)}</td><td>${e(t.newestChange ?? '–')}</td><td class="num">${t.freshnessSeconds === null ? '–' : formatAge(t.freshnessSeconds)}</td></tr>`,
    )
    .join('')}</table>`
}

/** Deleted source rows (logical mode), kept in the star schemas as history; nothing in cursor mode. */
function sourceDeletes(deletes: Readonly<Record<string, number>> | null): string {
  if (deletes === null) return ''
  const rows = Object.entries(deletes)
    .map(([t, n]) => `<tr><td>${e(t)}</td><td class="num">${num(n)}</td></tr>`)
    .join('')
  return `<h2>source deletes</h2><p>recorded in etl.source_deletes; their warehouse rows stay as history</p>${
    rows === ''
      ? '<p data-testid="source-deletes-none">none</p>'
      : `<table data-testid="source-deletes">${rows}</table>`
  }`
}

function quarantineAndRows(view: StatusView): string {
  const { quarantine: q, warehouse: w } = view.status
  const held = !q
    ? `<p>${unknownBecause(view, 'ingestion store')}</p>`
    : q.open.length === 0
      ? '<p data-testid="quarantine-empty">nothing held</p>'
      : `<table><tr><th>entry</th><th>table</th><th class="num">rows</th><th>reason</th></tr>${q.open
          .map(
            (x) =>
              `<tr><td>${e(x.id)}</td><td>${e(x.table)}</td><td class="num">${num(x.rows)}</td><td class="reason">${e(x.reason)}</td></tr>`,
          )
          .join('')}</table>`
  const rows = !w
    ? `<p>${unknownBecause(view, 'warehouse')}</p>`
    : `<table data-testid="warehouse-rows">${Object.entries(w.rows)
        .map(([t, n]) => `<tr><td>${e(t)}</td><td class="num">${num(n ?? null)}</td></tr>`)
        .join('')}</table>${sourceDeletes(w.sourceDeletes)}`
  return `<div class="grid"><div><h2>quarantine</h2>${held}</div><div><h2>warehouse rows</h2>${rows}</div></div>`
}

/** Freshness samples in the unit that suits their size: seconds, minutes, hours or days. */
export function toFreshnessSeries(samples: readonly (readonly [number, number])[]) {
  const max = Math.max(0, ...samples.map((s) => s[1]))
  const [unit, per] =
    max < 300 ? ['s', 1] : max < 3 * 3600 ? ['min', 60] : max < 3 * 86_400 ? ['h', 3600] : ['d', 86_400]
  return { unit, points: samples.map(([t, v]) => [t, v / (per as number)] as const) }
}

/** The whole page. */
export function toStatusHtml(view: StatusView, refreshSeconds = 5): string {
  const loads = view.loads.map((l) => [l.batchId, l.rows] as const)
  const fresh = toFreshnessSeries(view.freshness)
  // No loads because the warehouse could not be read is not "no loads yet".
  const rowsChart = view.problems.some((p) => p.system === 'warehouse')
    ? `<p>${unknownBecause(view, 'warehouse')}</p>`
    : toBatchBarChart(loads, {
        label: 'rows per loaded batch',
        yTitle: 'rows loaded',
        xTitle: 'batch (oldest left)',
      })
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>totesys-etl status</title>
<meta http-equiv="refresh" content="${refreshSeconds}"><style>${CSS}</style></head><body>
<header><h1>totesys-etl</h1><span class="meta">status at ${time(view.generatedAtMs)} UTC · refreshes every ${refreshSeconds} s · <a href="status.json">status.json</a></span></header>
<div data-testid="problems">${view.problems.map(problemBanner).join('')}</div>
${tiles(view)}
<div class="grid"><div><h2>freshness over time</h2>${toTimeChart(fresh.points, { label: 'freshness over time', yTitle: `freshness (${fresh.unit})` })}</div>
<div><h2>rows per loaded batch</h2>${rowsChart}</div></div>
<div class="grid"><div><h2>recent batches</h2>${recentTable(view.recent)}</div><div><h2>freshness per source table</h2>${tableFreshness(view)}</div></div>
<h2>alerts (last 24 hours)</h2>${alertsTable(view.alerts, view.alertsFrom)}
${quarantineAndRows(view)}</body></html>`
}
