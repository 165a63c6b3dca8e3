/**
 * The narrow interface every stage uses for PostgreSQL, whether a real server (pg) or embedded (PGlite).
 * Values come back as the database's text for timestamps, dates, times and numerics: no JS Date or
 * float ever sits on the data path, so the process time zone and float rounding cannot touch it.
 */
import type { Readable } from 'node:stream'

export interface SqlSession {
  /** One parameterised statement; rows as plain objects. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>
  /** Several statements, no parameters (DDL, SET). */
  exec(sql: string): Promise<void>
  /** Runs `COPY … TO STDOUT …` and streams its bytes. */
  copyOut(sql: string): Promise<Readable>
  /** Runs `COPY … FROM STDIN …`, feeding it the stream's bytes. */
  copyIn(sql: string, source: Readable): Promise<void>
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable'

export interface TransactionOptions {
  readonly isolation?: Isolation
  readonly readOnly?: boolean
}

export interface Database extends SqlSession {
  /** Where it lives, safe to log. */
  readonly description: string
  readonly kind: 'server' | 'embedded'
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>, options?: TransactionOptions): Promise<T>
  close(): Promise<void>
}

/** The SQL that opens a transaction with the given options. */
export function beginSql(options: TransactionOptions = {}): string {
  const isolation = options.isolation ?? 'read committed'
  return `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}${options.readOnly ? ' READ ONLY' : ''}`
}

/** PostgreSQL type oids whose values stay text: timestamp, timestamptz, date, time, numeric, int8, interval. */
export const TEXT_TYPE_OIDS = [1114, 1184, 1082, 1083, 1700, 20, 1186] as const
