/**
 * The FX job: rates for every currency in dim_currency against the others, for a range of days, from the
 * provider into the ingestion store (raw answers, one JSON line each, plus the manifest), then through the
 * stream transform and load into fact_fx_rate. The daily schedule asks for the last few days (so a late
 * or corrected publication is picked up; rows are upserted); `fx backfill` asks for any range, landed in
 * batches of at most 92 days. A provider failure lands nothing, raises an alert and fails the run.
 */
import { createHash } from 'node:crypto'
import { addDays, daysBetween, isDay } from '../../core/civil-date.ts'
import { ConfigError, EtlError } from '../../core/errors.ts'
import { FX_RATE_TABLE } from '../../core/stream-catalogue.ts'
import type { Database } from '../../io/database.ts'
import type { ObjectStore } from '../../io/object-store.ts'
import { warehouseDb } from '../../io/warehouse-db.ts'
import { runInitStreamTables } from '../../load/run-init-stream-tables.ts'
import { errorFields, type Log } from '../../log.ts'
import { runCommitStreamBatch } from '../run-commit-stream-batch.ts'
import { runLoadStream, type StreamLoadResult } from '../run-load-stream.ts'
import { runTransformStream, type StreamTransformOutcome } from '../run-transform-stream.ts'
import { streamDataKey, toNaiveUtc } from '../stream-keys.ts'
import { FX_STREAM, fxModel } from './fx-model.ts'
import type { FxAnswer, FxProvider } from './fx-provider.ts'
import { type FxAnswerLine, type FxMeta, planCarryInDays } from './plan-fx-rates.ts'

export interface FxDeps {
  readonly warehouse: Database
  readonly ingestion: ObjectStore
  readonly processed: ObjectStore
  readonly log: Log
  readonly provider: FxProvider
  readonly tmpDir?: string
  /** The clock that stamps batches and says what "today" is (UTC). */
  readonly now?: () => number
  /** Requests in flight at once; default 4. */
  readonly concurrency?: number
}

export interface FxInput {
  readonly from: string
  readonly to: string
}

export interface FxResult {
  readonly landed: readonly {
    readonly batchId: string
    readonly committed: boolean
    readonly requests: number
  }[]
  readonly transformed: readonly StreamTransformOutcome[]
  readonly loaded: StreamLoadResult
}

/** The most days one batch holds; a longer backfill lands several. */
export const FX_DAYS_PER_BATCH = 92

/** The daily job's window: the last `days` days up to today (UTC). */
export function planFxWindow(nowMs: number, days = 4): FxInput {
  const today = toNaiveUtc(nowMs).slice(0, 10)
  return { from: addDays(today, -(days - 1)), to: today }
}

/** Checks a requested range: real days, in order, not in the future, at most ten years. */
export function parseFxRange(input: FxInput, nowMs: number): FxInput {
  for (const [name, day] of [
    ['--from', input.from],
    ['--to', input.to],
  ] as const) {
    if (!isDay(day)) throw new ConfigError(`${name} must be a day YYYY-MM-DD; got '${day}'`)
  }
  if (input.from > input.to) throw new ConfigError(`--from ${input.from} is after --to ${input.to}`)
  const today = toNaiveUtc(nowMs).slice(0, 10)
  if (input.to > today) throw new ConfigError(`--to ${input.to} is in the future (today is ${today} UTC)`)
  if (daysBetween(input.from, input.to).length > 3660) throw new ConfigError('at most ten years at a time')
  return input
}

/** Every currency of dim_currency, by id. */
export async function runReadCurrencies(db: Database): Promise<FxMeta['currencies']> {
  const rows = await warehouseDb(db)
    .selectFrom('dim_currency')
    .select(['currency_id', 'currency_code'])
    .orderBy('currency_id')
    .execute()
  return rows.map((r) => ({ id: r.currency_id, code: r.currency_code }))
}

/** Fetches, lands, transforms and loads the rates of a range of days. */
export async function runFx(deps: FxDeps, input: FxInput): Promise<FxResult> {
  const now = deps.now ?? Date.now
  const range = parseFxRange(input, now())
  const currencies = await runReadCurrencies(deps.warehouse)
  if (currencies.length === 0) {
    throw new ConfigError(
      "dim_currency is empty: load the warehouse first ('totesys-etl run'), then fetch rates",
      {
        stage: 'fx',
      },
    )
  }
  await runInitStreamTables(deps.warehouse, [FX_RATE_TABLE])
  const landed: FxResult['landed'][number][] = []
  const days = daysBetween(range.from, range.to)
  for (let i = 0; i < days.length; i += FX_DAYS_PER_BATCH) {
    const chunk = days.slice(i, i + FX_DAYS_PER_BATCH)
    const meta: FxMeta = { provider: deps.provider.name, from: chunk[0]!, to: chunk.at(-1)!, currencies }
    landed.push(await runLandFx(deps, meta, now))
  }
  const tmp = deps.tmpDir === undefined ? {} : { tmpDir: deps.tmpDir }
  const transformed = await runTransformStream(
    { ingestion: deps.ingestion, processed: deps.processed, log: deps.log, ...tmp },
    fxModel,
  )
  const loaded = await runLoadStream(
    { warehouse: deps.warehouse, processed: deps.processed, log: deps.log, ...tmp },
    { stream: FX_STREAM, tablesOf: () => [FX_RATE_TABLE] },
  )
  return { landed, transformed, loaded }
}

/** Asks the provider for every day and base of `meta` and lands the raw answers as one batch. */
async function runLandFx(
  deps: FxDeps,
  meta: FxMeta,
  now: () => number,
): Promise<{ batchId: string; committed: boolean; requests: number }> {
  const codes = meta.currencies.map((c) => c.code)
  const requests = daysBetween(meta.from, meta.to).flatMap((day) =>
    codes.map((base) => ({ day, base, quotes: codes.filter((q) => q !== base), carryIn: false })),
  )
  let answers: { request: (typeof requests)[number]; answer: FxAnswer }[]
  try {
    answers = await inPool(requests, deps.concurrency ?? 4, async (request) => ({
      request,
      answer: await deps.provider.fetchDay(request.day, request.base, request.quotes),
    }))
    // The first day without rates (a weekend, a holiday) needs the rates in force before the range.
    for (const base of codes) {
      const first = answers.find((a) => a.request.base === base && a.request.day === meta.from)
      if (first?.answer.status !== 404) continue
      for (const day of planCarryInDays(meta.from)) {
        const request = { day, base, quotes: codes.filter((q) => q !== base), carryIn: true }
        const answer = await deps.provider.fetchDay(day, base, request.quotes)
        answers.push({ request, answer })
        if (answer.status !== 404) break
      }
    }
  } catch (error) {
    deps.log.alert('fx provider failed: no rates landed', {
      stage: 'fx',
      provider: deps.provider.name,
      from: meta.from,
      to: meta.to,
      ...errorFields(error),
    })
    throw error
  }
  const lines = answers.map(({ request, answer }) => {
    const line: FxAnswerLine = {
      requested_date: request.day,
      base: request.base,
      quotes: request.quotes,
      url: answer.url,
      status: answer.status,
      body: answer.body,
      carry_in: request.carryIn,
    }
    return `${JSON.stringify(line)}\n`
  })
  const body = lines.join('')
  const batch = await runCommitStreamBatch(deps.ingestion, FX_STREAM, now(), async (writer) => {
    const key = streamDataKey(FX_STREAM, 'answers', writer.createdAt, writer.batchId, writer.attempt, 'jsonl')
    await deps.ingestion.put(key, body)
    writer.wrote(key)
    const bytes = Buffer.byteLength(body)
    return {
      files: [
        {
          key,
          source: `${deps.provider.name} ${meta.from}..${meta.to}`,
          sourceEtag: null,
          bytes,
          sha256: createHash('sha256').update(body).digest('hex'),
        },
      ],
      heldFiles: [],
      meta,
    }
  })
  const statuses = Object.fromEntries(
    [...new Set(answers.map((a) => a.answer.status))].map((s) => [
      s,
      answers.filter((a) => a.answer.status === s).length,
    ]),
  )
  deps.log.info('fx answers landed', {
    stage: 'fx',
    batchId: batch.manifest.batchId,
    committed: batch.committed,
    from: meta.from,
    to: meta.to,
    requests: answers.length,
    statuses,
  })
  if (!batch.committed) {
    throw new EtlError(`another fx run committed batch ${batch.manifest.batchId} first; run again`, {
      stage: 'fx',
      batchId: batch.manifest.batchId,
    })
  }
  return { batchId: batch.manifest.batchId, committed: batch.committed, requests: answers.length }
}

/** Runs fn over items with at most `size` in flight; results in input order; the first failure rejects. */
async function inPool<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  let failed = false
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await fn(items[index]!)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker))
  return results
}
