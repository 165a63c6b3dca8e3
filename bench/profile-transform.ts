/**
 * Transforms one committed ingestion batch again and again into throwaway processed stores (its
 * previous batch's state copied in), for paired before/after timings of the transform alone (issue 16).
 *   tsx bench/profile-transform.ts <dir from profile-cycle.ts setup> [runs=15] [batch id, default the newest]
 * Prints the batch's rows and the median wall and CPU ms (CPU: every thread of the process, DuckDB's too).
 */
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { manifestKey } from '../src/core/batch-id.ts'
import { INGESTION_MANIFEST } from '../src/core/manifests/ingestion.ts'
import { readManifest } from '../src/core/manifests/read-manifest.ts'
import { FolderStore } from '../src/io/folder-store.ts'
import { silentLog } from '../src/log.ts'
import { runTransformBatch } from '../src/transform/transform-batch.ts'

const [dir = '/tmp/profile-cycle', runs = '15', which = ''] = process.argv.slice(2)
const ingestion = new FolderStore(join(dir, 'ingestion'))
const ids = readdirSync(join(dir, 'ingestion', '_manifests'))
  .map((f) => f.slice(0, 10))
  .sort()
const batchId = which || ids.at(-1)
const previous = ids[ids.indexOf(batchId ?? '') - 1]
if (!batchId || !previous) throw new Error(`no batch with a previous one in ${dir}`)
const manifest = await readManifest(ingestion, manifestKey(batchId), INGESTION_MANIFEST)
const scratchRoot = join(dir, 'profile-transform')
const times: { ms: number; cpu: number }[] = []
for (let i = 0; i < Number(runs); i++) {
  const scratch = join(scratchRoot, String(i))
  rmSync(scratch, { recursive: true, force: true })
  cpSync(join(dir, 'processed', '_state', previous), join(scratch, '_state', previous), { recursive: true })
  mkdirSync(join(scratchRoot, 'tmp'), { recursive: true })
  const processed = new FolderStore(scratch)
  const cpu = process.cpuUsage()
  const started = performance.now()
  await runTransformBatch(
    { ingestion, processed, log: silentLog, tmpDir: join(scratchRoot, 'tmp') },
    manifest,
    previous,
  )
  const used = process.cpuUsage(cpu)
  times.push({ ms: performance.now() - started, cpu: (used.user + used.system) / 1000 })
  rmSync(scratch, { recursive: true, force: true })
}
rmSync(scratchRoot, { recursive: true, force: true })
const median = (xs: number[]) => (xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0).toFixed(0)
const rows = manifest.tables.reduce((n, t) => n + t.rows, 0)
console.log(
  `batch ${batchId} (${rows} rows): wall median ${median(times.map((t) => t.ms))} ms, CPU median ${median(times.map((t) => t.cpu))} ms`,
)
