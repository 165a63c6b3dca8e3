/**
 * A tiny DuckDB adapter: one in-memory instance with bounded memory (memory_limit, a temp_directory
 * to spill to, a thread count) and a private scratch folder for the files a stage reads and writes.
 * Rows come back as JSON-safe values (DECIMAL as text, DATE/TIME/TIMESTAMP as text), so money and
 * timestamps never become JS numbers or Dates. Only this module imports @duckdb/node-api.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api'

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
}

/** Opens an in-memory DuckDB with bounded memory and its own scratch folder. */
export async function openDuckDb(options: DuckDbOptions = {}): Promise<DuckDb> {
  const parent = options.tmpDir ?? tmpdir()
  await mkdir(parent, { recursive: true })
  const workDir = await mkdtemp(join(parent, 'duckdb-'))
  const spill = join(workDir, '_spill')
  await mkdir(spill)
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit ?? '256MB',
    threads: String(options.threads ?? 2),
    temp_directory: spill,
    preserve_insertion_order: 'false',
  })
  const connection: DuckDBConnection = await instance.connect()
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
      const hash = createHash('sha256')
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
      return { sha256: hash.digest('hex'), bytes: (await stat(path)).size }
    },
    async close() {
      connection.closeSync()
      instance.closeSync()
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
 * from the file (dim_date has columns of those names).
 */
export function readParquetSql(paths: string | readonly string[]): string {
  const files = typeof paths === 'string' ? sqlString(paths) : `[${paths.map(sqlString).join(', ')}]`
  return `read_parquet(${files}, hive_partitioning = false)`
}
