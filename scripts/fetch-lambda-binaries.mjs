#!/usr/bin/env node
// Puts DuckDB's native binding for the Lambda functions' architecture (linux arm64, glibc: Graviton) into
// node_modules, where the synth copies it from (infra/lib/stage-function.ts). npm installs only the
// binding of the machine it runs on, so on an x64 machine this one is missing: `npm ci` runs this script
// (package.json `prepare`). It fetches the exact version and tarball the lock file names, through npm
// itself (the registry the project already uses), and refuses a tarball whose integrity differs from the
// lock's. Already there: nothing to do, no network.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
/** The bindings the Lambda bundles need that npm does not install on every machine. */
const PACKAGES = ['@duckdb/node-bindings-linux-arm64']

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'))

function fail(message) {
  console.error(`fetch-lambda-binaries: ${message}`)
  process.exit(1)
}

for (const name of PACKAGES) {
  const locked = lock.packages?.[`node_modules/${name}`]
  if (!locked?.version || !locked.integrity) fail(`${name} is not in package-lock.json`)
  const target = join(ROOT, 'node_modules', name)
  const manifest = join(target, 'package.json')
  if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).version === locked.version) continue
  const scratch = mkdtempSync(join(tmpdir(), 'lambda-binaries-'))
  try {
    const packed = spawnSync(
      'npm',
      ['pack', `${name}@${locked.version}`, '--json', '--pack-destination', scratch],
      { cwd: scratch, encoding: 'utf8' },
    )
    if (packed.status !== 0) fail(`npm pack ${name}@${locked.version} failed:\n${packed.stderr}`)
    const [info] = JSON.parse(packed.stdout)
    if (info?.integrity !== locked.integrity)
      fail(`${name}@${locked.version}: the registry's tarball does not match package-lock.json's integrity`)
    const unpacked = join(scratch, 'unpacked')
    mkdirSync(unpacked)
    const tar = spawnSync('tar', ['-xzf', join(scratch, info.filename), '-C', unpacked], { encoding: 'utf8' })
    if (tar.status !== 0) fail(`could not unpack ${info.filename}: ${tar.stderr}`)
    rmSync(target, { recursive: true, force: true })
    mkdirSync(join(target, '..'), { recursive: true })
    renameSync(join(unpacked, 'package'), target)
    console.log(`fetch-lambda-binaries: ${name}@${locked.version} installed for the Lambda bundles`)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}
