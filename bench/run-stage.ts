/** Runs one stage in a child process (bench/stage-child.ts) and returns its report, plus the process's wall time. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Stage, StageConfig, StageReport } from './stage-child.ts'

const CHILD = fileURLToPath(new URL('./stage-child.ts', import.meta.url))

export interface StageRun extends StageReport {
  /** Wall time of the whole child process, start-up included. */
  readonly processMs: number
}

/** Spawns `node --import tsx stage-child.ts`; with `profileDir`, writes a .cpuprofile there. */
export function runStageInChild(stage: Stage, config: StageConfig, profileDir?: string): Promise<StageRun> {
  const profile = profileDir
    ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${stage}.cpuprofile`]
    : []
  const args = [...profile, '--import', 'tsx', CHILD, stage, JSON.stringify(config)]
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
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
      resolve({ ...(JSON.parse(last) as StageReport), processMs: performance.now() - started })
    })
  })
}
