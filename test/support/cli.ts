/**
 * The CLI as a user runs it: `node bin/totesys-etl.mjs`, the bundle in dist/cli/ that `npm ci` builds
 * (`prepare`, scripts/build.mjs). A spawn through tsx would compile every module again in each child, seconds per command
 * on a busy machine. scripts/run-tests.mjs rebuilds it when src/ is newer; a test run another way
 * fails here at once, saying so, instead of testing yesterday's code.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { staleCliInput } from '../../scripts/build.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** The built CLI's entry point: spawn `process.execPath` with `[CLI, ...args]`. */
export const CLI = join(root, 'bin', 'totesys-etl.mjs')

const stale = staleCliInput()
if (stale !== undefined)
  throw new Error(
    `the built CLI is older than ${stale}: a spawned command would run old code; run \`npm run build\` (scripts/run-tests.mjs does it for you)`,
  )
