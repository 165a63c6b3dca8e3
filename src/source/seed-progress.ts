/**
 * How the seed reports progress, behind a small interface so the generators stay pure: a bar on a
 * terminal, plain lines otherwise (a CI log, a pipe), or nothing (tests). Progress goes to stderr.
 */
import cliProgress from 'cli-progress'

export interface Progress {
  start(total: number): void
  /** `rows` more rows of `table` were produced. */
  advance(rows: number, table: string): void
  stop(): void
}

export const noProgress: Progress = { start() {}, advance() {}, stop() {} }

/** A progress bar on a terminal stream. */
export function barProgress(stream: NodeJS.WritableStream): Progress {
  const bar = new cliProgress.SingleBar(
    { stream, format: 'seed [{bar}] {percentage}% | {value}/{total} rows | {table} | ETA {eta_formatted}' },
    cliProgress.Presets.shades_classic,
  )
  let done = 0
  return {
    start: (total) => bar.start(total, 0, { table: '' }),
    advance(rows, table) {
      done += rows
      bar.update(done, { table })
    },
    stop: () => bar.stop(),
  }
}

/** One line each time another tenth of the rows is done. */
export function lineProgress(write: (line: string) => void, steps = 10): Progress {
  let total = 0
  let done = 0
  let reported = 0
  return {
    start(n) {
      total = n
      write(`seed: ${n} rows to generate`)
    },
    advance(rows, table) {
      done += rows
      const step = total === 0 ? steps : Math.floor((done * steps) / total)
      if (step > reported) {
        reported = step
        write(`seed: ${done}/${total} rows (${Math.floor((done * 100) / Math.max(1, total))}%), now ${table}`)
      }
    },
    stop() {
      write(`seed: ${done} rows done`)
    },
  }
}

/** The bar on a TTY, lines otherwise. */
export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? barProgress(stream) : lineProgress((line) => stream.write(`${line}\n`))
}
