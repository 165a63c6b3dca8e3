/**
 * The status page's charts as inline SVG (the page must work offline, with no external asset): every
 * chart has a titled, ticked value axis and a titled, ticked time or batch axis. Pure.
 */

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )

const W = 560
const H = 200
const LEFT = 64
const RIGHT = 12
const TOP = 12
const BOTTOM = 44
const PLOT_W = W - LEFT - RIGHT
const PLOT_H = H - TOP - BOTTOM

/** Round steps (1, 2, 5 × 10^k) from 0 to at least `max`, about `count` of them. */
export function toNiceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
  const ticks: number[] = []
  for (let v = 0; v < max + step; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

/** `950`, `1.5k`, `250k`, `3M`: short tick labels. */
export function formatTick(v: number): string {
  const short = (n: number, unit: string) => `${Number(n.toPrecision(3))}${unit}`
  if (v >= 1e6) return short(v / 1e6, 'M')
  if (v >= 1e3) return short(v / 1e3, 'k')
  return String(Number(v.toPrecision(3)))
}

const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400]

/** Time ticks at round seconds, minutes or hours (UTC), and the step between them. */
export function toTimeTicks(
  from: number,
  to: number,
  count = 5,
): { readonly ticks: number[]; readonly stepMs: number } {
  const span = Math.max(1, to - from)
  const stepMs = (TIME_STEPS_S.find((s) => span / (s * 1000) <= count) ?? 86_400) * 1000
  const ticks: number[] = []
  for (let t = Math.ceil(from / stepMs) * stepMs; t <= to; t += stepMs) ticks.push(t)
  return { ticks, stepMs }
}

/** HH:MM, or HH:MM:SS when the ticks are less than a minute apart. */
const clock = (ms: number, stepMs: number) => new Date(ms).toISOString().slice(11, stepMs < 60_000 ? 19 : 16)

function frame(label: string, yTitle: string, xTitle: string, yTicks: string, xTicks: string, body: string) {
  return `<svg role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${W} ${H}" width="100%" class="chart">
<line x1="${LEFT}" y1="${TOP + PLOT_H}" x2="${W - RIGHT}" y2="${TOP + PLOT_H}" class="axis"/>
<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + PLOT_H}" class="axis"/>
${yTicks}${xTicks}${body}
<text x="14" y="${TOP + PLOT_H / 2}" transform="rotate(-90 14 ${TOP + PLOT_H / 2})" text-anchor="middle" class="axis-title">${escapeHtml(yTitle)}</text>
<text x="${LEFT + PLOT_W / 2}" y="${H - 6}" text-anchor="middle" class="axis-title">${escapeHtml(xTitle)}</text></svg>`
}

function yAxis(ticks: readonly number[], py: (v: number) => number, format: (v: number) => string): string {
  return ticks
    .map(
      (v) =>
        `<line x1="${LEFT}" y1="${py(v).toFixed(1)}" x2="${W - RIGHT}" y2="${py(v).toFixed(1)}" class="grid"/><text x="${LEFT - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${escapeHtml(format(v))}</text>`,
    )
    .join('')
}

const xTick = (x: number, label: string) =>
  `<line x1="${x.toFixed(1)}" y1="${TOP + PLOT_H}" x2="${x.toFixed(1)}" y2="${TOP + PLOT_H + 4}" class="axis"/><text x="${x.toFixed(1)}" y="${TOP + PLOT_H + 16}" text-anchor="middle" class="tick">${escapeHtml(label)}</text>`

/** A line of values over time (epoch ms), with HH:MM UTC ticks. */
export function toTimeChart(
  points: readonly (readonly [number, number])[],
  o: { readonly label: string; readonly yTitle: string; readonly format?: (v: number) => string },
): string {
  if (points.length === 0) return `<p class="empty">no ${escapeHtml(o.label)} yet</p>`
  const xs = points.map((p) => p[0])
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)]
  const yTicks = toNiceTicks(Math.max(...points.map((p) => p[1])))
  const yMax = yTicks.at(-1) ?? 1
  const px = (x: number) => (x1 === x0 ? LEFT + PLOT_W / 2 : LEFT + ((x - x0) / (x1 - x0)) * PLOT_W)
  const py = (y: number) => TOP + PLOT_H - (y / yMax) * PLOT_H
  const path = points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')
  const dots =
    points.length === 1
      ? `<circle cx="${px(x0)}" cy="${py(points[0]?.[1] ?? 0)}" r="3" class="line-dot"/>`
      : ''
  const { ticks, stepMs } = toTimeTicks(x0, x1)
  const xTicks = ticks.map((t) => xTick(px(t), clock(t, stepMs))).join('')
  return frame(
    o.label,
    o.yTitle,
    'time (UTC)',
    yAxis(yTicks, py, o.format ?? formatTick),
    xTicks,
    `<polyline points="${path}" class="line"/>${dots}`,
  )
}

/**
 * Bars per batch (oldest left), labelled with batch ids. A log scale, ticked by decades and said in the
 * axis title, when the bars span more than two decades (a first load of 250k rows next to batches of
 * ten): on a linear scale the small ones would vanish.
 */
export function toBatchBarChart(
  bars: readonly (readonly [string, number])[],
  o: { readonly label: string; readonly yTitle: string; readonly xTitle: string },
): string {
  if (bars.length === 0) return `<p class="empty">no ${escapeHtml(o.label)} yet</p>`
  const values = bars.map((b) => b[1])
  const max = Math.max(1, ...values)
  const min = Math.max(1, Math.min(...values.filter((v) => v > 0), max))
  const log = max / min > 100
  const decades = Math.ceil(Math.log10(max + 1))
  const yTicks = log
    ? Array.from({ length: decades + 1 }, (_, i) => (i === 0 ? 0 : 10 ** i))
    : toNiceTicks(max)
  const yMax = yTicks.at(-1) ?? 1
  const scale = (v: number) => (log ? Math.log10(v + 1) / Math.log10(yMax + 1) : v / yMax)
  const py = (v: number) => TOP + PLOT_H - scale(v) * PLOT_H
  const width = PLOT_W / bars.length
  const rects = bars
    .map(([name, value], i) => {
      const y = py(value)
      return `<rect x="${(LEFT + i * width + 1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, width - 2).toFixed(1)}" height="${(TOP + PLOT_H - y).toFixed(1)}" class="bar"><title>batch ${escapeHtml(name)}: ${value.toLocaleString('en-US')} rows</title></rect>`
    })
    .join('')
  const every = Math.max(1, Math.ceil(bars.length / 5))
  const xTicks = bars
    .map(([name], i) => {
      const last = bars.length - 1
      const labelled = i % every === 0 ? i < last - every / 2 || i === last : i === last
      return labelled ? xTick(LEFT + (i + 0.5) * width, name.replace(/^0+/, '')) : ''
    })
    .join('')
  return frame(
    o.label,
    log ? `${o.yTitle} (log scale)` : o.yTitle,
    o.xTitle,
    yAxis(yTicks, py, formatTick),
    xTicks,
    rects,
  )
}
