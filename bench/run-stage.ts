/** Runs one stage in a child process (bench/stage-child.ts) and returns its report, plus the process's wall time. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { StageConfig } from './pipeline-deps.ts'
import type { Stage, StageReport } from './stage-child.ts'

const CHILD = fileURLToPath(new URL('./stage-child.ts', import.meta.url))

export interface StageRun extends StageReport {
  /** Wall time of the whole child process, start-up included. */
  readonly processMs: number
  /** The child's CPU seconds (user + system), when `cpu` asked for them; NaN otherwise. */
  readonly cpuS: number
}

export interface StageChildOptions {
  /** With it, the child writes a .cpuprofile there. */
  readonly profileDir?: string
  /** The stage-child.ts to run (another worktree's, to compare code): this one's by default. */
  readonly child?: string
  readonly cwd?: string
  /** Measures the child's CPU with GNU time (Node offers no resource usage of a spawned child). */
  readonly cpu?: boolean
}

/** Spawns `node --import tsx stage-child.ts <stage> <config>` and reads the report it prints last. */
export function runStageInChild(
  stage: Stage,
  config: StageConfig,
  options: StageChildOptions = {},
): Promise<StageRun> {
  const profile = options.profileDir
    ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir, '--cpu-prof-name', `${stage}.cpuprofile`]
    : []
  const node = [
    process.execPath,
    ...profile,
    '--import',
    'tsx',
    options.child ?? CHILD,
    stage,
    JSON.stringify(config),
  ]
  const [command, ...args] = options.cpu ? ['/usr/bin/time', '-f', 'cpu %U %S', ...node] : node
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? ''
      if (code !== 0 || !last.startsWith('{')) {
        reject(new Error(`stage ${stage} failed (exit ${code}): ${stderr.slice(-2000)}`))
        return
      }
      const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(stderr)
      resolve({
        ...(JSON.parse(last) as StageReport),
        processMs: performance.now() - started,
        cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : Number.NaN,
      })
    })
  })
}
