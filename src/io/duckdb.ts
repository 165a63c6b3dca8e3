/**
 * A tiny DuckDB adapter: one in-memory instance with bounded memory (memory_limit, a temp_directory
 * to spill to, a thread count) and a private scratch folder for the files a stage reads and writes.
 * Rows come back as JSON-safe values (DECIMAL as text, DATE/TIME/TIMESTAMP as text), so money and
 * timestamps never become JS numbers or Dates. Only this module imports @duckdb/node-api, and only when
 * an instance is first made: a command that never opens DuckDB (init, extract, status) does not load its
 * native library (`init`: ~0.05 CPU-s less).
 */
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api'

export type DuckParam = string | number | boolean | null

export interface DuckDb {
  /** A private folder for this instance's files; removed by close(). */
  readonly workDir: string
  /** Runs one or more statements; returns the number of rows a single DML/COPY statement changed. */
  run(sql: string, params?: readonly DuckParam[]): Promise<number>
  /** Runs a query and returns its rows as JSON-safe objects. Keep results small (metadata, counts, samples). */
  rows<T = Record<string, unknown>>(sql: string, params?: readonly DuckParam[]): Promise<T[]>
  /** SHA-256 (hex) and size of a file in the work folder. */
  fileDigest(path: string): Promise<{ sha256: string; bytes: number }>
  close(): Promise<void>
}

export interface DuckDbOptions {
  /** Parent of the scratch folder; defaults to the OS temp folder. */
  readonly tmpDir?: string
  /** DuckDB memory_limit, e.g. '256MB'. */
  readonly memoryLimit?: string
  readonly threads?: number
  /**
   * Hand freed memory back to the OS after every release of more than 1 MB (DuckDB's
   * allocator_bulk_deallocation_flush_threshold; its default, 512MB, keeps it for reuse): a large
   * batch's peak RSS falls by 20-30 MB for a few % of its time, a small batch's time grows ~20 %
   * (docs/BENCHMARKS.md, Finding 10).
   */
  readonly releaseFreedMemory?: boolean
}

/**
 * Idle instances kept for the next openDuckDb: creating one costs 15–40 ms, as much as a small batch's
 * whole transform. An instance is lent to one user at a time (users at the same time each get their
 * own, so their memory limits stay apart); each use gets its own settings and a fresh in-memory catalog
 * (ATTACH … USE), detached, with everything it held, when the use closes.
 */
const idle: DuckDBInstance[] = []

/**
 * @duckdb/node-api is CommonJS: its exports are the module's `default` under Node's ES modules and in the
 * built CLI alike (where a bundled CommonJS chunk exports nothing else).
 */
async function loadDuckDbApi(): Promise<typeof import('@duckdb/node-api')> {
  return (await import('@duckdb/node-api')).default
}
const MAX_IDLE = 2
let uses = 0

/** An instance and a connection whose catalog and settings are this use's own. */
async function runLend(
  options: Required<Pick<DuckDbOptions, 'memoryLimit' | 'threads' | 'releaseFreedMemory'>>,
  spill: string,
): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection; catalog: string }> {
  const catalog = `use_${++uses}`
  const release = options.releaseFreedMemory ? '1MiB' : '512MiB' // 512MiB: DuckDB's default
  const settings = `SET memory_limit = ${sqlString(options.memoryLimit)}; SET threads = ${Number(options.threads)};
    SET allocator_bulk_deallocation_flush_threshold = '${release}';
    SET temp_directory = ${sqlString(spill)}; ATTACH ':memory:' AS ${catalog}; USE ${catalog}`
  for (;;) {
    const pooled = idle.pop()
    const instance =
      pooled ??
      (await (
        await loadDuckDbApi()
      ).DuckDBInstance.create(':memory:', {
        memory_limit: options.memoryLimit,
        threads: String(options.threads),
        temp_directory: spill,
        preserve_insertion_order: 'false',
        // The external file cache keeps the bytes of every file read in the pool, to read them again
        // without I/O; our files are local (the OS caches them too) and mostly read once or twice, and the
        // cache grew to ~15 MB of a 64MB transform's pool within a batch (docs/BENCHMARKS.md, Finding 10).
        enable_external_file_cache: 'false',
      }))
    const connection = await instance.connect()
    try {
      await connection.run(settings)
      return { instance, connection, catalog }
    } catch (error) {
      connection.closeSync()
      instance.closeSync()
      // An instance that once spilled keeps its spill folder (DuckDB cannot switch it): take a new one.
      if (!pooled) throw error
    }
  }
}

const DIGEST_CHUNK_BYTES = 256 * 1024

/** Opens an in-memory DuckDB with bounded memory and its own scratch folder. */
export async function openDuckDb(options: DuckDbOptions = {}): Promise<DuckDb> {
  const parent = options.tmpDir ?? tmpdir()
  await mkdir(parent, { recursive: true })
  const workDir = await mkdtemp(join(parent, 'duckdb-'))
  const spill = join(workDir, '_spill')
  await mkdir(spill)
  const { instance, connection, catalog } = await runLend(
    {
      memoryLimit: options.memoryLimit ?? '256MB',
      threads: options.threads ?? 2,
      releaseFreedMemory: options.releaseFreedMemory ?? false,
    },
    spill,
  )
  const values = (params: readonly DuckParam[] | undefined): DuckDBValue[] | undefined =>
    params && params.length > 0 ? (params as DuckDBValue[]) : undefined
  return {
    workDir,
    async run(sql, params) {
      const result = await connection.run(sql, values(params))
      return Number(result.rowsChanged)
    },
    async rows<T>(sql: string, params?: readonly DuckParam[]) {
      const reader = await connection.runAndReadAll(sql, values(params))
      return reader.getRowObjectsJson() as T[]
    },
    async fileDigest(path) {
      // One buffer read into again and again: a read stream leaves a new 64 KB Buffer per chunk to the
      // GC, a whole model file (tens of MB a batch at a first load) of garbage in RSS (Finding 10).
      const hash = createHash('sha256')
      const buffer = Buffer.allocUnsafe(DIGEST_CHUNK_BYTES)
      const file = await open(path, 'r')
      try {
        let bytes = 0
        for (;;) {
          const { bytesRead } = await file.read(buffer, 0, buffer.length, null)
          if (bytesRead === 0) break
          hash.update(buffer.subarray(0, bytesRead))
          bytes += bytesRead
        }
        return { sha256: hash.digest('hex'), bytes }
      } finally {
        await file.close()
      }
    },
    async close() {
      // Detaching frees what this use held; an instance that cannot detach (a fatal error) is closed.
      const detached = await connection.run(`USE memory; DETACH ${catalog}`).then(
        () => true,
        () => false,
      )
      connection.closeSync()
      if (detached && idle.length < MAX_IDLE) idle.push(instance)
      else instance.closeSync()
      await rm(workDir, { recursive: true, force: true })
    },
  }
}

/** An SQL string literal (for file paths this process chose, which DuckDB cannot take as parameters). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/**
 * read_parquet over files this process chose. Store keys look like `table/year=2024/month=02/day=23/…`:
 * without `hive_partitioning = false` DuckDB would read `year`, `month` and `day` from the path instead of
 * from the file (dim_date has columns of those names). `fileRowNumber` adds `file_row_number`, each row's
 * position in its file.
 */
export function readParquetSql(
  paths: string | readonly string[],
  options: { readonly fileRowNumber?: boolean } = {},
): string {
  const files = typeof paths === 'string' ? sqlString(paths) : `[${paths.map(sqlString).join(', ')}]`
  const rowNumber = options.fileRowNumber ? ', file_row_number = true' : ''
  return `read_parquet(${files}, hive_partitioning = false${rowNumber})`
}
