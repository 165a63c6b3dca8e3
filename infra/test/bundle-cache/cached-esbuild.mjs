// `esbuild --bundle …` as CDK's NodejsFunction runs it, with the outputs cached by the hash of everything
// they are made of: the esbuild version, the arguments (the output folder as its place relative to the
// project, all the source map's paths depend on; the externals as `lookup` says), the lock file,
// package.json and tsconfig.json, and the content of every file the bundle read (esbuild's metafile lists
// them). The CDK tests bundle eleven functions a run, ~1.1 CPU-s of esbuild each, and the x86_64 stack's four
// DuckDB bundles are byte for byte the arm64 ones; a hit copies the stored files instead (~0.1 CPU-s). What
// the key cannot see: a file esbuild probed but did not read (a new file that would now win a resolution;
// the project imports with explicit extensions), and node_modules changed by hand without the lock file.
// Deleting the cache folder is always safe.
// Usage (infra/test/bundle-cache/npx runs it): node cached-esbuild.mjs --bundle <entry> <esbuild args…>
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative, resolve } from 'node:path'

const args = process.argv.slice(2)
const cwd = process.cwd()
const esbuild = join(cwd, 'node_modules/.bin/esbuild')
const outfileArg = args.find((a) => a.startsWith('--outfile='))

/** The SHA-256 of a file's bytes, or '' when there is none (deleted since, or no file: a `(disabled):` input). */
function hashOf(path) {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex')
  } catch {
    return ''
  }
}

/** Runs the real esbuild with these arguments; exits with its status when it fails, after `cleanUp`. */
function run(extra = [], cleanUp = () => {}) {
  const result = spawnSync(esbuild, [...args, ...extra], { stdio: 'inherit' })
  if (result.error || result.status !== 0) {
    cleanUp()
    if (result.error) throw result.error
    process.exit(result.status ?? 1)
  }
}

if (!outfileArg || args[0] !== '--bundle' || args.some((a) => a.startsWith('--metafile'))) {
  run()
  process.exit(0)
}
const EXTERNAL = '--external:'
const isExternal = (arg) => arg.startsWith(EXTERNAL)
const externals = args.filter(isExternal).map((arg) => arg.slice(EXTERNAL.length))
const outdir = dirname(resolve(cwd, outfileArg.slice('--outfile='.length)))
// The output folder's name is a fresh temporary one: only its place relative to the project shows in the
// bundle (the source map's paths), and the output file's name (the sourceMappingURL comment).
const key = createHash('sha256')
for (const part of [
  JSON.parse(readFileSync(join(cwd, 'node_modules/esbuild/package.json'), 'utf8')).version,
  cwd,
  relative(outdir, cwd),
  process.env.NODE_PATH ?? '',
  ...args
    .filter((arg) => !isExternal(arg))
    .map((arg) => (arg === outfileArg ? `--outfile=${basename(arg)}` : arg)),
  ...['package-lock.json', 'package.json', 'tsconfig.json'].map((file) => hashOf(join(cwd, file))),
])
  key.update(part).update('\0')
const cache = join(tmpdir(), 'totesys-etl-bundle-cache')
const entry = join(cache, key.digest('hex'))

/**
 * The stored entry, if every file it was made of still has the same content, and it was built with the same
 * externals, or with others that no import of that build names (the arm64 and x86_64 DuckDB bundles differ
 * only in `--external:@duckdb/node-bindings-linux-*`, which nothing past the external `@duckdb/node-api`
 * imports: the same build).
 */
function lookup() {
  let manifest
  try {
    manifest = JSON.parse(readFileSync(join(entry, 'manifest.json'), 'utf8'))
  } catch {
    return undefined
  }
  const differing = [
    ...externals.filter((x) => !manifest.externals.includes(x)),
    ...manifest.externals.filter((x) => !externals.includes(x)),
  ]
  const names = (x) => (specifier) => specifier === x || specifier.startsWith(`${x}/`)
  if (differing.some((x) => x.includes('*') || manifest.specifiers.some(names(x)))) return undefined
  for (const [path, hash] of Object.entries(manifest.inputs))
    if (hashOf(join(cwd, path)) !== hash) return undefined
  return manifest
}

/** Copies a stored bundle into the output folder; false if it went away meanwhile (replaced by another run). */
function restore(manifest) {
  try {
    for (const file of manifest.outputs) {
      mkdirSync(dirname(join(outdir, file)), { recursive: true })
      copyFileSync(join(entry, 'files', file), join(outdir, file))
    }
    return true
  } catch {
    return false
  }
}

const hit = lookup()
if (hit && restore(hit)) process.exit(0)
const part = `${entry}.${process.pid}.part`
mkdirSync(part, { recursive: true })
const metafile = join(part, 'meta.json')
run([`--metafile=${metafile}`], () => rmSync(part, { recursive: true, force: true }))
try {
  const meta = JSON.parse(readFileSync(metafile, 'utf8'))
  const inputs = Object.fromEntries(Object.keys(meta.inputs).map((p) => [p, hashOf(join(cwd, p))]))
  const specifiers = [
    ...new Set(Object.values(meta.inputs).flatMap((input) => input.imports.map((i) => i.original ?? i.path))),
  ]
  const outputs = Object.keys(meta.outputs).map((p) => relative(outdir, resolve(cwd, p)))
  for (const file of outputs) {
    mkdirSync(dirname(join(part, 'files', file)), { recursive: true })
    copyFileSync(join(outdir, file), join(part, 'files', file))
  }
  rmSync(metafile)
  writeFileSync(join(part, 'manifest.json'), JSON.stringify({ externals, specifiers, inputs, outputs }))
  // A stale entry (its inputs changed) is replaced by the new one.
  const old = `${entry}.${process.pid}.old`
  try {
    renameSync(entry, old)
  } catch {}
  renameSync(part, entry)
  rmSync(old, { recursive: true, force: true })
} catch {
  // Another process stored the same entry first, or the disk is full: the bundle itself is done.
  rmSync(part, { recursive: true, force: true })
}
