/**
 * Creates a folder and its missing parents, one level at a time. Node's `mkdir(…, { recursive: true })`
 * never settles under /proc (it keeps retrying a parent that exists but refuses children); walking up
 * at most once per path segment bounds the work, and the error names the folder that failed.
 */
import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/** mkdir -p, bounded by the path's depth. Throws the first real error (EACCES, EROFS, ENOTDIR, ENOENT …). */
export async function makeFolder(path: string): Promise<void> {
  const missing: string[] = []
  let at = path
  for (;;) {
    try {
      const found = await stat(at)
      if (!found.isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), {
          code: 'ENOTDIR',
          path: at,
        })
      }
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      const parent = dirname(at)
      if (parent === at) throw error
      missing.push(at)
      at = parent
    }
  }
  for (const folder of missing.reverse()) {
    try {
      await mkdir(folder)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}
