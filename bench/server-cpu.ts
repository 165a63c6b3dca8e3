/**
 * The PostgreSQL server's CPU seconds so far, read from /proc (the bench runs beside its server): the
 * postmaster's own and its reaped children's, plus every live child's. The difference across a step is what
 * the server spent on it (and on anything else it served meanwhile: read it on an idle server).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ADMIN_URL, withClient } from './bench-databases.ts'

const TICKS_PER_S = 100

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, …]; utime is field 14 (index 11 here). */
function statFields(pid: string): string[] | undefined {
  try {
    const text = readFileSync(join('/proc', pid, 'stat'), 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

let postmasterPid: string | undefined

async function findPostmaster(): Promise<string | undefined> {
  try {
    const dir = await withClient(ADMIN_URL, async (client) => {
      const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir")
      return rows[0]?.dir
    })
    return dir ? readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0] : undefined
  } catch {
    return undefined
  }
}

/** The server's CPU seconds so far, or NaN when its processes cannot be read (another host, no rights). */
export async function readServerCpuS(): Promise<number> {
  postmasterPid ??= await findPostmaster()
  const pm = postmasterPid && statFields(postmasterPid)
  if (!postmasterPid || !pm) return Number.NaN
  // utime, stime, cutime, cstime are fields 14–17 (indexes 11–14 after the name).
  let ticks = pm.slice(11, 15).reduce((a, v) => a + Number(v), 0)
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    const f = statFields(pid)
    if (f && f[1] === postmasterPid) ticks += Number(f[11]) + Number(f[12])
  }
  return ticks / TICKS_PER_S
}
