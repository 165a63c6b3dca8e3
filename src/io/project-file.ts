/**
 * The files the project ships beside its code (sql/, data/, package.json), found from wherever that code
 * runs: src/ under tsx, the CLI's bundle in dist/cli/ (scripts/build.mjs), a Lambda bundle with its sql/
 * copied beside it (infra/lib/stage-function.ts). A module's own depth in a tree differs between those,
 * so a path like '../../sql/x.sql' is right in one and wrong in another: the file is looked for in this
 * module's folder, then in each folder above it, and the nearest wins.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const found = new Map<string, string>()

/** The absolute path of `relativePath` (e.g. 'sql/warehouse.sql'); throws, naming it, when none is found. */
export function projectFile(relativePath: string, from: string = import.meta.url): string {
  const key = `${from}\n${relativePath}`
  const cached = found.get(key)
  if (cached !== undefined) return cached
  let dir = dirname(fileURLToPath(from))
  for (;;) {
    const path = join(dir, relativePath)
    if (existsSync(path)) {
      found.set(key, path)
      return path
    }
    const parent = dirname(dir)
    if (parent === dir)
      throw new Error(
        `${relativePath} was not found in ${dirname(fileURLToPath(from))} or any folder above it`,
      )
    dir = parent
  }
}
