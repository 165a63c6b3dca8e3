#!/usr/bin/env node
// Builds the CLI that bin/totesys-etl.mjs runs into dist/: each module of src/ one file (as under src/),
// the packages they import bundled by esbuild into shared chunks in dist/vendor/. Why: run from one file
// per module of every package, a command first resolved and read ~470 ES modules (kysely alone is 263
// files, zod 95) and ~230 CommonJS files: `init` cost 0.9-1.1 CPU-s, 0.45-0.55 built this way
// (docs/ARCHITECTURE.md, "The CLI's build"). esbuild strips the types without checking them: the type
// check is tsc's (`npm run typecheck`; `npm test` runs it).
// Left out, loaded from node_modules at run time: what reads files next to its own code (PGlite's
// WebAssembly and data) and native code (DuckDB's binding; pg's optional pg-native).
// Usage: node scripts/build.mjs [--if-stale]   (--if-stale: only when an input is newer than the build)
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
/** The bundle's entry, which bin/totesys-etl.mjs imports. */
const ENTRY_OUT = join(root, 'dist/entrypoints/cli/main.js')

/** Every module of src/ but the tests: each becomes its own file in dist/, as under src/. */
function sourceModules(dir = join(root, 'src'), out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) sourceModules(path, out)
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

/**
 * The input newer than the built CLI (a source file, the lock file's dependencies, this script), relative
 * to the project, or undefined when the build is current.
 */
export function staleCliInput() {
  if (!existsSync(ENTRY_OUT)) return relative(root, ENTRY_OUT)
  const built = statSync(ENTRY_OUT).mtimeMs
  const inputs = [...sourceModules(), join(root, 'package-lock.json'), fileURLToPath(import.meta.url)]
  const newer = inputs.find((path) => statSync(path).mtimeMs > built)
  return newer === undefined ? undefined : relative(root, newer)
}

/**
 * Our imports stay imports: a module of src/ is never inlined into another, so each built file is one
 * source file (its coverage, its stack traces, its lazy `import()` as written), with `.ts` made `.js`.
 */
const keepOwnModules = {
  name: 'keep-own-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.importer.startsWith(join(root, 'src'))
        ? { path: args.path.replace(/\.ts$/, '.js'), external: true }
        : undefined,
    )
  },
}

const EXTERNAL = ['@electric-sql/pglite', '@electric-sql/pglite/*', '@duckdb/node-bindings', 'pg-native']

/** The packages our modules import (what is left of their imports once the types are stripped). */
async function importedPackages(build, entryPoints) {
  const packages = new Set()
  await build({
    absWorkingDir: root,
    entryPoints,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    outdir: 'dist',
    logLevel: 'silent',
    plugins: [
      keepOwnModules,
      {
        name: 'list-packages',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (!args.path.startsWith('node:') && !EXTERNAL.includes(args.path)) packages.add(args.path)
            return { path: args.path, external: true }
          })
        },
      },
    ],
  })
  return [...packages].sort()
}

/**
 * One more entry that imports every package our modules do: code that only one module imports would
 * otherwise be inlined into that module's file, and a module's file then holds library code whose unused
 * functions V8 does not report, so coverage counted the module's own unused functions as run. With this
 * entry every package is shared, and lands in dist/vendor/; the entry itself is never loaded.
 */
function vendorEntry(packages) {
  const contents = packages.map((p, i) => `export * as p${i} from ${JSON.stringify(p)}`).join('\n')
  return {
    name: 'vendor-entry',
    setup(b) {
      b.onResolve({ filter: /^vendor-entry$/ }, () => ({ path: 'vendor-entry', namespace: 'vendor' }))
      b.onLoad({ filter: /.*/, namespace: 'vendor' }, () => ({ contents, resolveDir: root, loader: 'js' }))
    },
  }
}

/** Builds the CLI into dist/ (emptied first: nothing stale is left to load). */
export async function buildCli() {
  const { build } = await import('esbuild')
  const entryPoints = sourceModules()
  const packages = await importedPackages(build, entryPoints)
  rmSync(join(root, 'dist'), { recursive: true, force: true })
  await build({
    absWorkingDir: root,
    entryPoints: [...entryPoints, { in: 'vendor-entry', out: 'vendor/all' }],
    outbase: 'src',
    outdir: 'dist',
    bundle: true,
    splitting: true,
    chunkNames: 'vendor/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    sourcesContent: false,
    plugins: [keepOwnModules, vendorEntry(packages)],
    external: EXTERNAL,
    // CommonJS dependencies (pg, DuckDB's API) call require(): an ES module has none of its own.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  })
  dropVendorSourceMaps()
}

/**
 * The packages' chunks keep no source map: theirs would point into node_modules, which neither coverage
 * nor our stack traces are about, and Node writes the map of every file a process loaded into that
 * process's coverage report when coverage is on (2.3 MB of a 3.4 MB report for one command).
 */
function dropVendorSourceMaps() {
  const vendor = join(root, 'dist/vendor')
  for (const name of readdirSync(vendor)) {
    const path = join(vendor, name)
    if (name.endsWith('.map')) rmSync(path)
    else if (name.endsWith('.js'))
      writeFileSync(path, readFileSync(path, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\n?$/, '\n'))
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const stale = process.argv.includes('--if-stale') ? staleCliInput() : 'asked'
  if (stale !== undefined) await buildCli()
}
