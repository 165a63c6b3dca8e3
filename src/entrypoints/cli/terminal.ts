/**
 * The CLI's stderr when a person reads it: log lines, and progress bars (cli-progress) for long steps
 * with what is done, the rate and the time left. Lines written while a bar runs appear above it.
 * Off a terminal (or with JSON logs) there are no bars: the log is the record.
 */
import type { MultiBar, SingleBar } from 'cli-progress'
import pc from 'picocolors'
import type { Progress } from '../../log.ts'
import { formatCount } from './render-log-entry.ts'

export interface ProgressState {
  readonly label: string
  readonly unit: string
  readonly value: number
  readonly total: number
  readonly elapsedMs: number
  /** What is being worked on now (a table, a batch). */
  readonly detail?: string
}

function formatRate(perSecond: number): string {
  if (perSecond >= 10_000) return `${formatCount(Math.round(perSecond / 1000))}k`
  return formatCount(Math.round(perSecond))
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–'
  if (seconds < 60) return `${Math.ceil(seconds)}s`
  const m = Math.floor(seconds / 60)
  return m < 60
    ? `${m}m ${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h ${m % 60}m`
}

/** A progress bar's line (pure): `seed  ██████░░░░  60%  1,800/3,000 rows  900 rows/s  ETA 2s  payment`. */
export function formatProgressLine(state: ProgressState, color: boolean, width = 24): string {
  const c = pc.createColors(color)
  const fraction = state.total > 0 ? Math.min(1, state.value / state.total) : 0
  const filled = Math.round(fraction * width)
  const bar = c.cyan('█'.repeat(filled)) + c.dim('░'.repeat(width - filled))
  const seconds = state.elapsedMs / 1000
  const rate = seconds > 0 ? state.value / seconds : 0
  const eta = rate > 0 ? (state.total - state.value) / rate : Number.POSITIVE_INFINITY
  return [
    c.bold(state.label.padEnd(9)),
    bar,
    `${String(Math.floor(fraction * 100)).padStart(3)}%`,
    `${formatCount(state.value)}/${formatCount(state.total)} ${state.unit}`,
    c.dim(`${formatRate(rate)} ${state.unit}/s`),
    c.dim(`ETA ${state.value >= state.total ? '0s' : formatEta(eta)}`),
    ...(state.detail ? [c.dim(state.detail)] : []),
  ].join('  ')
}

export interface Terminal {
  /** Writes one line (or block) to stderr, above any running bar. */
  writeLine(line: string): void
  /** A progress bar for a long step, counted in `unit`. */
  progress(label: string, unit: string): Progress
}

/** The bars on screen at once, drawn together (one MultiBar while any runs). */
interface Screen {
  multi: MultiBar | undefined
  running: number
}

/** A terminal on a stream; `bars` is cli-progress when bars are wanted (loaded by the caller, lazily). */
export function createTerminal(
  stream: NodeJS.WriteStream,
  options: { color: boolean; bars?: typeof import('cli-progress') },
): Terminal {
  const screen: Screen = { multi: undefined, running: 0 }
  const writeLine = (line: string) => {
    if (screen.multi) screen.multi.log(`${line}\n`)
    else stream.write(`${line}\n`)
  }
  const progress = (label: string, unit: string): Progress => {
    const bars = options.bars
    if (!bars) return { start() {}, advance() {}, stop() {} }
    return barOn(screen, () => newMultiBar(bars, stream), { label, unit, color: options.color })
  }
  return { writeLine, progress }
}

/** The MultiBar every bar of a terminal draws on: each bar renders itself (its payload carries it). */
function newMultiBar(bars: typeof import('cli-progress'), stream: NodeJS.WriteStream): MultiBar {
  return new bars.MultiBar({
    stream,
    hideCursor: true,
    clearOnComplete: false,
    fps: 8,
    format: (_options, params, payload: { render(p: typeof params): string }) => payload.render(params),
  })
}

/** One bar on the screen, counted in `unit`; the screen's MultiBar stops with its last bar. */
function barOn(
  screen: Screen,
  newMulti: () => MultiBar,
  line: { readonly label: string; readonly unit: string; readonly color: boolean },
): Progress {
  let bar: SingleBar | undefined
  let value = 0
  let total = 0
  let detail: string | undefined
  let started = 0
  return {
    start(n) {
      total = n
      // Started again (a run whose stages overlap learns of more batches as they come): a new total.
      if (bar) return void bar.setTotal(total)
      started = performance.now()
      screen.multi ??= newMulti()
      screen.running++
      bar = screen.multi.create(total, 0, {
        render: (params: { value: number; total: number }) =>
          formatProgressLine(
            {
              label: line.label,
              unit: line.unit,
              value: params.value,
              total: params.total,
              elapsedMs: performance.now() - started,
              detail,
            },
            line.color,
          ),
      })
    },
    advance(n, what) {
      value += n
      if (what !== undefined) detail = what
      bar?.update(Math.min(value, total))
    },
    stop() {
      if (!bar || !screen.multi) return
      bar.update(Math.min(value, total))
      bar.stop()
      bar = undefined
      screen.running--
      if (screen.running === 0) {
        screen.multi.stop()
        screen.multi = undefined
      }
    },
  }
}
