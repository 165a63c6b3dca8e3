// Module hooks that run the project's TypeScript as it is, for the test runner: each `.ts` file becomes
// JavaScript through esbuild (types stripped, nothing else changed), cached in the OS temp folder by the
// hash of its text. The project imports with explicit `.ts` extensions, so Node's own resolution finds
// every file; resolving only swaps a few many-file packages for one bundled file each (BUNDLED below).
// tsx adds a general resolver and its own start-up: importing the pipeline and verify took 1.6 CPU-s under
// tsx, 1.1 here with the packages as they are, 0.73 with them bundled, 0.6 as the built JavaScript; the
// suite starts ~70 processes and ~40 children that way. Line numbers stay true through an inline source map
// (stack traces, coverage). The cache holds a few KB per version of a file; deleting it is always safe.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const cache = join(tmpdir(), 'totesys-etl-ts-cache')
try {
  mkdirSync(cache, { recursive: true })
} catch {}
// The project's compiler options (class fields, kept imports) as tsc and the build read them.
const { compilerOptions } = JSON.parse(readFileSync(new URL('../tsconfig.json', import.meta.url), 'utf8'))
const OPTIONS = {
  loader: 'ts',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  tsconfigRaw: { compilerOptions },
}
// esbuild itself is imported only when a file is not in the cache yet: most processes never need it.
const { version } = createRequire(import.meta.url)('esbuild/package.json')
const esbuild = () => import('esbuild')
const salt = `${version} ${JSON.stringify(OPTIONS)}`

/**
 * Packages loaded as one bundled file each. Every module a process imports passes through these hooks (a
 * round trip to the hooks' thread), and kysely and zod are hundreds of small ES modules: importing the
 * pipeline resolved 1,550 modules, 980 of them kysely's and 230 zod's, and the hooks alone cost 0.45 CPU-s
 * of the 1.0 the import took. Bundled, each is one module; the code is theirs, unchanged. A package with
 * several entry points would get a copy of its internals per entry (two classes of one thing): only
 * packages imported by their main entry alone belong here.
 */
const BUNDLED = new Set(['kysely', 'zod', 'fast-check'])
const bundles = new Map()

function bundled(specifier, entryUrl) {
  let url = bundles.get(entryUrl)
  if (url === undefined) {
    url = bundle(specifier, fileURLToPath(entryUrl))
    bundles.set(entryUrl, url)
  }
  return url
}

/** The bundle's URL, or undefined when it cannot be made or kept (the package then loads as it is). */
async function bundle(specifier, entry) {
  try {
    const at = entry.lastIndexOf(`/node_modules/${specifier}/`)
    const manifest = readFileSync(`${entry.slice(0, at)}/node_modules/${specifier}/package.json`, 'utf8')
    const key = createHash('sha256').update(salt).update(entry).update('\0').update(manifest).digest('hex')
    const cached = join(cache, `${key}.mjs`)
    if (!existsSync(cached)) {
      const result = await (await esbuild()).build({
        entryPoints: [entry],
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      })
      const part = `${cached}.${process.pid}.part`
      writeFileSync(part, result.outputFiles[0].contents)
      renameSync(part, cached)
    }
    return pathToFileURL(cached).href
  } catch {
    return undefined
  }
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  if (!BUNDLED.has(specifier) || !resolved.url.startsWith('file:')) return resolved
  const url = await bundled(specifier, resolved.url)
  return url === undefined ? resolved : { url, format: 'module', shortCircuit: true }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.endsWith('.d.ts')) return next(url, context)
  const path = fileURLToPath(url)
  const text = readFileSync(path, 'utf8')
  const key = createHash('sha256').update(salt).update(path).update('\0').update(text).digest('hex')
  const cached = join(cache, `${key}.js`)
  let source
  try {
    source = readFileSync(cached, 'utf8')
  } catch {
    source = (await (await esbuild()).transform(text, { ...OPTIONS, sourcefile: path })).code
    const part = `${cached}.${process.pid}.part`
    try {
      writeFileSync(part, source)
      renameSync(part, cached)
    } catch {}
  }
  return { format: 'module', source, shortCircuit: true }
}
