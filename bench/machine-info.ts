/** What the figures were measured on: machine, runtime, database and commit. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg, totalmem } from 'node:os'
import { serverVersion } from './bench-databases.ts'

export interface MachineInfo {
  readonly nproc: number
  readonly memoryGb: number
  readonly cpuModel: string
  readonly node: string
  readonly postgres: string
  readonly commit: string
  /** 1-minute load average when the bench started and ended (the machine may be shared). */
  readonly loadStart: number
  loadEnd?: number
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    return line?.split(':')[1]?.trim() ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Reads the machine's description now. */
export async function readMachineInfo(): Promise<MachineInfo> {
  const dirty =
    git(['status', '--porcelain', '--untracked-files=no']) === '' ? '' : ' (+ uncommitted changes)'
  return {
    nproc: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    cpuModel: cpuModel(),
    node: process.version,
    postgres: await serverVersion(),
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${dirty}`,
    loadStart: loadavg()[0] ?? 0,
  }
}

/** The current 1-minute load average. */
export function currentLoad(): number {
  return loadavg()[0] ?? 0
}
