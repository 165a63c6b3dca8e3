/**
 * The CLI as a user runs it: `node bin/totesys-etl.mjs`, the compiled dist/ that `npm ci` builds
 * (`prepare`). A spawn through tsx would compile every module again in each child, seconds per command
 * on a busy machine. scripts/run-tests.mjs rebuilds dist/ when src/ is newer; a test run another way
 * fails here at once, saying so, instead of testing yesterday's code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** The built CLI's entry point: spawn `process.execPath` with `[CLI, ...args]`. */
export const CLI = join(root, 'bin', 'totesys-etl.mjs')

/** The first source file whose build is missing or older than it, if any. */
function staleSource(dir: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      const found = staleSource(path)
      if (found) return found
    } else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.test.ts') &&
      !entry.name.endsWith('.d.ts')
    ) {
      const built = join(root, 'dist', relative(join(root, 'src'), path)).replace(/\.ts$/, '.js')
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs) return path
    }
  }
  return undefined
}

const stale = staleSource(join(root, 'src'))
if (stale !== undefined)
  throw new Error(
    `dist/ is older than ${relative(root, stale)}: the spawned CLI would run old code; run \`npm run build\` (scripts/run-tests.mjs does it for you)`,
  )
