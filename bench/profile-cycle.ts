/**
 * Profiles incremental cycles stage by stage (issue 16, target 4), on databases kept between runs so old
 * and new code can be compared in turn on the same data.
 *   tsx bench/profile-cycle.ts setup <dir> <scale> [--bench-lag]
 *       seed a source, init + first load; writes <dir>/config.json. The lag is 500 ms unless --bench-lag
 *       (the bench's 2 minutes: every cycle's manifest then carries the keys of all cycles within it).
 *   tsx bench/profile-cycle.ts cycles <dir> <n> [changes] [--statements]
 *       n cycles of `changes` payment updates (default 1,000): per stage wall and CPU ms; with --statements,
 *       every warehouse statement of the load, with its start (ms into the stage); with --pipeline, each
 *       cycle as one runPipelineOnce (as the bench times it) instead.
 *   tsx bench/profile-cycle.ts bench-cycles <dir>
 *       the bench's own cycles (measure-cycles.ts runCycles: idle, 5 × 1k, 3 × 10k) on the kept data; to
 *       compare code, set up afresh with --bench-lag for each run (the cycles change the data).
 *   tsx bench/profile-cycle.ts copy <dir> <to>
 *       a fresh copy of a setup (its two databases through CREATE DATABASE … TEMPLATE, its lake copied) at
 *       <to>, so old and new code each run on the same data
 *   tsx bench/profile-cycle.ts drop <dir>                 drop the databases
 * Stages run one after another (not overlapped as in runPipelineOnce), so each has its own time. With no
 * autovacuum on the server, the updated source table's dead rows pile up and the extract slows down over
 * many cycles: compare code in turn on the same data (bench/profile-transform.ts for the transform alone).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { Database, SqlSession } from '../src/io/database.ts'
import { PgDatabase } from '../src/io/pg-database.ts'
import { runInitWarehouse } from '../src/load/run-init.ts'
import { runPipelineOnce } from '../src/service/pipeline.ts'
import { runExtractStage } from '../src/service/stages/run-extract-stage.ts'
import { runLoadStage } from '../src/service/stages/run-load-stage.ts'
import { runTransformStage } from '../src/service/stages/run-transform-stage.ts'
import { createBenchDatabase, dropBenchDatabase, seedBenchSource } from './bench-databases.ts'
import { DEFAULT_LAG_MS } from './measure-full-load.ts'
import type { StageConfig } from './pipeline-deps.ts'
import { openPipeline } from './pipeline-deps.ts'

const [mode, dir = '/tmp/profile-cycle', arg = '10', arg2] = process.argv.slice(2)
const configPath = join(dir, 'config.json')

async function setup(scale: number): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const config: StageConfig = {
    sourceUrl: await createBenchDatabase('source'),
    warehouseUrl: await createBenchDatabase('warehouse'),
    ingestionDir: join(dir, 'ingestion'),
    processedDir: join(dir, 'processed'),
    tmpDir: join(dir, 'tmp'),
    // Not the CLI's 2 minutes: cycles here come seconds apart, and each batch's manifest would carry
    // every key changed within the lag (its edge), growing with every cycle.
    lagMs: process.argv.includes('--bench-lag') ? DEFAULT_LAG_MS : 500,
  }
  for (const d of [config.ingestionDir, config.processedDir, config.tmpDir]) mkdirSync(d, { recursive: true })
  writeFileSync(configPath, JSON.stringify(config, null, 2))
  await seedBenchSource(config.sourceUrl, scale)
  const warehouse = new PgDatabase(config.warehouseUrl)
  try {
    await runInitWarehouse(warehouse, { purchaseFactTable: 'fact_purchase_orders' })
  } finally {
    await warehouse.close()
  }
  const pipeline = openPipeline(config)
  try {
    await runPipelineOnce(pipeline.deps)
  } finally {
    await pipeline.close()
  }
  console.log(`set up at ${dir}`)
}

/** A warehouse whose transactions time every statement (for --statements). */
function tracing(db: Database, out: { sql: string; ms: number; at: number }[]): Database {
  const timed = (tx: SqlSession): SqlSession => {
    const time =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const started = performance.now()
        try {
          return await fn(...args)
        } finally {
          out.push({
            sql: String(args[0]).replace(/\s+/g, ' ').slice(0, 90),
            ms: performance.now() - started,
            at: started,
          })
        }
      }
    return {
      query: time(tx.query.bind(tx)) as SqlSession['query'],
      exec: time(tx.exec.bind(tx)),
      copyOut: time(tx.copyOut.bind(tx)),
      copyIn: time(tx.copyIn.bind(tx)),
    }
  }
  return Object.assign(Object.create(db), {
    transaction: <T>(fn: (tx: SqlSession) => Promise<T>, options?: Parameters<Database['transaction']>[1]) =>
      db.transaction((tx) => fn(timed(tx)), options),
    query: timed(db).query,
    exec: timed(db).exec,
  }) as Database
}

async function updatePayments(url: string, count: number, offset: number): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(
      `UPDATE payment SET paid = NOT paid, last_updated = localtimestamp(3)
       WHERE payment_id IN (SELECT payment_id FROM payment ORDER BY payment_id LIMIT $1 OFFSET $2)`,
      [count, offset],
    )
  } finally {
    await client.end()
  }
}

async function cycles(n: number, changes: number, statements: boolean, whole: boolean): Promise<void> {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as StageConfig
  const pipeline = openPipeline(config)
  const trace: { sql: string; ms: number; at: number }[] = []
  const sourceTrace: { sql: string; ms: number; at: number }[] = []
  const warehouse = await pipeline.deps.warehouse()
  const source = await pipeline.deps.source()
  const deps = statements
    ? {
        ...pipeline.deps,
        warehouse: async () => tracing(warehouse, trace),
        source: async () => tracing(source, sourceTrace),
      }
    : pipeline.deps
  const timeStage = async (fn: () => Promise<unknown>) => {
    const cpu = process.cpuUsage()
    const started = performance.now()
    await fn()
    const used = process.cpuUsage(cpu)
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }
  }
  try {
    await runPipelineOnce(deps) // warm: connections, modules, anything pending
    for (let i = 0; i < n; i++) {
      // Past a short lag: the manifest's edge stays this cycle's (with the bench's lag it grows, as there).
      await new Promise((r) => setTimeout(r, config.lagMs < 10_000 ? config.lagMs + 100 : 300))
      await updatePayments(config.sourceUrl, changes, (i * changes) % 90_000)
      trace.length = 0
      sourceTrace.length = 0
      if (whole) {
        const p = await timeStage(() => runPipelineOnce(deps))
        console.log(`cycle ${i + 1}: runPipelineOnce ${p.ms.toFixed(0)} ms (${p.cpuMs.toFixed(0)} cpu)`)
        continue
      }
      const extractStart = performance.now()
      const e = await timeStage(() => runExtractStage(deps))
      const t = await timeStage(() => runTransformStage(deps))
      const loadStart = performance.now()
      const l = await timeStage(() => runLoadStage(deps))
      const f = (x: { ms: number; cpuMs: number }) => `${x.ms.toFixed(0)} (${x.cpuMs.toFixed(0)} cpu)`
      console.log(
        `cycle ${i + 1}: extract ${f(e)} transform ${f(t)} load ${f(l)} total ${(e.ms + t.ms + l.ms).toFixed(0)} ms`,
      )
      if (statements) {
        const byKind = new Map<string, { n: number; ms: number }>()
        for (const s of sourceTrace) {
          const kind = s.sql.slice(0, 24)
          const k = byKind.get(kind) ?? { n: 0, ms: 0 }
          byKind.set(kind, { n: k.n + 1, ms: k.ms + s.ms })
        }
        const sourceMs = sourceTrace.reduce((sum, s) => sum + s.ms, 0)
        console.log(`  extract: ${sourceTrace.length} source statements, ${sourceMs.toFixed(1)} ms in them`)
        for (const [kind, k] of byKind)
          console.log(`    ${String(k.n).padStart(3)} x ${k.ms.toFixed(1).padStart(6)} ms  ${kind}`)
        if (process.argv.includes('--source'))
          for (const s of sourceTrace)
            console.log(
              `  @${(s.at - extractStart).toFixed(0).padStart(4)} ${s.ms.toFixed(1).padStart(6)} ${s.sql}`,
            )
      }
      if (statements)
        for (const s of trace)
          console.log(
            `  @${(s.at - loadStart).toFixed(0).padStart(4)} ${s.ms.toFixed(1).padStart(6)} ${s.sql}`,
          )
    }
  } finally {
    await pipeline.close()
  }
}

async function copy(to: string): Promise<void> {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as StageConfig
  const copyDb = (url: string, role: string) => createBenchDatabase(role, new URL(url).pathname.slice(1))
  mkdirSync(to, { recursive: true })
  const copied: StageConfig = {
    ...config,
    sourceUrl: await copyDb(config.sourceUrl, 'source'),
    warehouseUrl: await copyDb(config.warehouseUrl, 'warehouse'),
    ingestionDir: join(to, 'ingestion'),
    processedDir: join(to, 'processed'),
    tmpDir: join(to, 'tmp'),
  }
  for (const d of ['ingestion', 'processed', 'tmp'] as const) {
    const from =
      d === 'ingestion' ? config.ingestionDir : d === 'processed' ? config.processedDir : config.tmpDir
    cpSync(from, join(to, d), { recursive: true })
  }
  writeFileSync(join(to, 'config.json'), JSON.stringify(copied, null, 2))
  console.log(`copied to ${to}`)
}

async function drop(): Promise<void> {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as StageConfig
  await dropBenchDatabase(config.sourceUrl)
  await dropBenchDatabase(config.warehouseUrl)
}

if (mode === 'setup') await setup(Number(arg))
else if (mode === 'cycles')
  await cycles(
    Number(arg),
    Number(arg2 ?? 1000),
    process.argv.includes('--statements'),
    process.argv.includes('--pipeline'),
  )
else if (mode === 'bench-cycles') {
  const { runCycles } = await import('./measure-cycles.ts')
  const cpu = process.cpuUsage()
  const c = await runCycles(JSON.parse(readFileSync(configPath, 'utf8')) as StageConfig)
  const used = process.cpuUsage(cpu)
  const runs = (r: { runsS: readonly number[] }) => r.runsS.map((x) => x.toFixed(3)).join(' ')
  console.log(
    `1k median ${c.changes1k.s.toFixed(3)} s [${runs(c.changes1k)}]; 10k median ${c.changes10k.s.toFixed(3)} s [${runs(c.changes10k)}]; 10k median's extract ${c.changes10k.extractS.toFixed(3)} s; process CPU ${((used.user + used.system) / 1e6).toFixed(2)} s`,
  )
} else if (mode === 'copy') await copy(arg)
else if (mode === 'drop') await drop()
else throw new Error('usage: profile-cycle.ts setup|cycles|drop <dir> …')
