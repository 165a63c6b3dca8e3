/**
 * The CLI's start-up as a person feels it: the wall time of `node bin/totesys-etl.mjs --help` and
 * `--version` (the built CLI, as `npx totesys-etl` runs it), median of 7 runs after a warm-up.
 * Standalone: `npm run build && tsx bench/measure-startup.ts`; `npm run bench` runs it first.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = fileURLToPath(new URL('../bin/totesys-etl.mjs', import.meta.url))

export interface StartupFigures {
  readonly helpMs: { readonly median: number; readonly min: number; readonly max: number }
  readonly versionMs: { readonly median: number; readonly min: number; readonly max: number }
  readonly runs: number
}

function time(args: string[], runs: number) {
  const walls: number[] = []
  for (let i = 0; i <= runs; i++) {
    const started = performance.now()
    const out = spawnSync(process.execPath, [BIN, ...args], { stdio: 'ignore' })
    if (out.status !== 0) throw new Error(`totesys-etl ${args.join(' ')} exited ${out.status}`)
    if (i > 0) walls.push(performance.now() - started) // the first run warms the file cache
  }
  walls.sort((a, b) => a - b)
  const round = (n: number) => Math.round(n)
  return {
    median: round(walls[Math.floor(walls.length / 2)] ?? 0),
    min: round(walls[0] ?? 0),
    max: round(walls.at(-1) ?? 0),
  }
}

/** Builds the CLI when dist/ is missing, then times it. */
export function runStartup(runs = 7): StartupFigures {
  if (!existsSync(fileURLToPath(new URL('../dist/entrypoints/cli/main.js', import.meta.url)))) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
    if (build.status !== 0) throw new Error('npm run build failed')
  }
  return { helpMs: time(['--help'], runs), versionMs: time(['--version'], runs), runs }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const f = runStartup()
  console.log(
    `CLI start-up (wall, median of ${f.runs}): --help ${f.helpMs.median} ms (${f.helpMs.min}–${f.helpMs.max}), --version ${f.versionMs.median} ms (${f.versionMs.min}–${f.versionMs.max})`,
  )
}
