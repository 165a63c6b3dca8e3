/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, or `npm run bench -- --profile <dir>`): the
 * functions with the most self time. Usage: tsx bench/summarise-profile.ts <file.cpuprofile> [top=15]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface SelfTime {
  readonly fn: string
  readonly ms: number
  readonly share: number
}

/** Self time per function (name + file:line), largest first. */
export function toSelfTimes(profile: Profile): SelfTime[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const totals = new Map<string, number>()
  let all = 0
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame
    const delta = (profile.timeDeltas[i] ?? 0) / 1000
    const where = frame?.url
      ? ` ${frame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${frame.lineNumber + 1}`
      : ''
    const key = `${frame?.functionName || '(anonymous)'}${where}`
    totals.set(key, (totals.get(key) ?? 0) + delta)
    all += delta
  })
  return [...totals].map(([fn, ms]) => ({ fn, ms, share: ms / all })).sort((a, b) => b.ms - a.ms)
}

if (process.argv[1]?.endsWith('summarise-profile.ts')) {
  const [file, top = '15'] = process.argv.slice(2)
  if (!file) throw new Error('usage: summarise-profile.ts <file.cpuprofile> [top]')
  const times = toSelfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile)
  const total = times.reduce((a, t) => a + t.ms, 0)
  console.log(`${file}: ${(total / 1000).toFixed(2)} s sampled`)
  for (const t of times.slice(0, Number(top))) {
    console.log(`${t.ms.toFixed(0).padStart(8)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.fn}`)
  }
}
