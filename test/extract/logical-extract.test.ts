/**
 * Logical mode (EXTRACT_MODE=logical) on the real server: the slot's snapshot plus the log after it is
 * every change once, whatever crashes, resyncs, mode switches or second consumers come between.
 * Skipped with the reason on a server whose wal_level is not logical (PGlite has no logical decoding).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { ConflictError } from '../../src/core/errors.ts'
import { runListIngestionBatches } from '../../src/extract/ingestion-batches.ts'
import { runDropSlot, runReadSlot } from '../../src/extract/logical/run-slot.ts'
import { runExtract } from '../../src/extract/run-extract.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'
import { memoryLog } from '../../src/log.ts'
import { createLogicalSource, type LogicalSource, runLogical } from '../support/logical-source.ts'
import { parseCsv, readBatch, versionsInLake } from '../support/read-batch.ts'
import { createTempStore } from '../support/source-fixture.ts'

/** Every `table:pk@last_updated` the source holds now. */
async function versionsInSource(source: LogicalSource, tables: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const table of tables) {
    const rows = await source.db.query<{ id: number; lu: string }>(
      `SELECT ${table}_id AS id, last_updated::text AS lu FROM ${table}`,
    )
    for (const r of rows) out.push(`${table}:${r.id}@${r.lu}`)
  }
  return out.sort()
}

/** The latest version per key in the lake (the state a warehouse reaches). */
async function latestInLake(store: ObjectStore, table: string): Promise<string[]> {
  const latest = new Map<string, string>()
  for (const v of await versionsInLake(store, await runListIngestionBatches(store))) {
    if (!v.startsWith(`${table}:`)) continue
    const [key = '', lu = ''] = v.split('@')
    if ((latest.get(key) ?? '') < lu) latest.set(key, lu)
  }
  const gone = new Set((await tombstones(store, table)).map((t) => `${table}:${t[0]}`))
  return [...latest]
    .filter(([k]) => !gone.has(k))
    .map(([k, lu]) => `${k}@${lu}`)
    .sort()
}

async function tombstones(store: ObjectStore, table: string): Promise<string[][]> {
  const out: string[][] = []
  for (const id of await runListIngestionBatches(store)) {
    const { manifest } = await readBatch(store, id)
    for (const d of manifest.deletes ?? []) {
      if (d.table !== table) continue
      const [, ...rows] = parseCsv(gunzipSync((await store.get(d.key)) as Buffer).toString('utf8'))
      out.push(...rows.map((r) => r.map(String)))
    }
  }
  return out
}

/** Every version after its first occurrence must be none (one pass: the lake holds tens of thousands). */
const noDuplicates = (versions: readonly string[]) => {
  const seen = new Set<string>()
  assert.deepEqual(
    versions.filter((v) => seen.has(v) || !seen.add(v)),
    [],
    'a row version is in the lake twice',
  )
}

describe('logical extract on the real server', () => {
  let source: LogicalSource | undefined
  let why = ''
  before(async () => {
    const made = await createLogicalSource()
    if (typeof made === 'string') why = made
    else source = made
  })
  after(async () => {
    await source?.drop()
  })

  it('reads the snapshot, then inserts, updates and deletes of one transaction; a rollback leaves nothing', async (t) => {
    if (!source) return t.skip(why)
    const { store, remove } = await createTempStore()
    try {
      const first = await runLogical(source, store)
      assert.equal(first.outcome, 'committed')
      const snap = await readBatch(store, '0000000001')
      assert.equal(snap.manifest.logical?.slot, source.slot)
      assert.equal(snap.manifest.logical?.snapshot, 'complete')
      // Retained WAL is measured on every read; above CDC_WAL_ALERT it raises an alert.
      const alerts = memoryLog()
      assert.equal(
        (await runLogical(source, store, { log: alerts, walAlertBytes: -1 })).outcome,
        'no-changes',
      )
      assert.ok(alerts.entries.some((e) => e.level === 'alert' && /retains more WAL/.test(e.message)))

      await source.db.transaction(async (tx) => {
        await tx.exec(`INSERT INTO currency (currency_id, currency_code, created_at, last_updated)
          VALUES (900, 'XTS', '2030-01-01 00:00:00', '2030-01-01 00:00:00.5'),
                 (901, 'XXX', '2030-01-01 00:00:00', '2030-01-01 00:00:00')`)
        await tx.exec(
          `UPDATE currency SET currency_code = 'X,"', last_updated = '2030-01-01 00:00:01' WHERE currency_id = 1`,
        )
        await tx.exec(
          `UPDATE design SET file_location = '', last_updated = '2030-01-01 00:00:02' WHERE design_id = 8`,
        )
        await tx.exec('DELETE FROM currency WHERE currency_id = 901')
      })
      await source.db
        .transaction(async (tx) => {
          await tx.exec(
            `UPDATE currency SET currency_code = 'NO' , last_updated = '2031-01-01' WHERE currency_id = 2`,
          )
          throw new Error('rolled back')
        })
        .catch(() => undefined)

      const logged = await runLogical(source, store)
      assert.equal(logged.outcome, 'committed')
      assert.deepEqual(logged.rows, { currency: 3, design: 1 })
      const batch = await readBatch(store, logged.batchId as string)
      assert.match(batch.manifest.logical?.lsn ?? '', /^[0-9A-F]+\/[0-9A-F]+$/)
      assert.equal(batch.manifest.logical?.snapshot, undefined)
      assert.deepEqual(
        (await tombstones(store, 'currency')).map((r) => r[0]),
        ['901'],
      )
      // The same rows read by the cursor extract are the same bytes (COPY's CSV, ISO text, NULL vs "").
      const cursorStore = await createTempStore()
      try {
        await runExtract({ source: source.db, ingestion: cursorStore.store, log: memoryLog() }, { lagMs: 0 })
        const copied = (await readBatch(cursorStore.store, '0000000001')).csv
        for (const table of ['currency', 'design'] as const) {
          const [header, ...lines] = (batch.csv[table] ?? '').trimEnd().split('\n')
          assert.equal(copied[table]?.split('\n')[0], header)
          // 901 was deleted in the same transaction: the log has its version, the source no longer has it.
          for (const line of lines.filter((l) => !l.startsWith('901,')))
            assert.ok(copied[table]?.includes(`${line}\n`), `${table}: ${line}`)
        }
      } finally {
        await cursorStore.remove()
      }
      for (const table of ['currency', 'design', 'payment']) {
        assert.deepEqual(await latestInLake(store, table), await versionsInSource(source, [table]))
      }
      noDuplicates(await versionsInLake(store, await runListIngestionBatches(store)))
    } finally {
      await remove()
      await runDropSlot(source.db, source.slot)
    }
  })

  it('a crash before the manifest or before the slot advance loses and repeats nothing', async (t) => {
    if (!source) return t.skip(why)
    const { store, remove } = await createTempStore()
    try {
      await runLogical(source, store)
      await source.db.exec(
        `UPDATE payment SET paid = NOT paid, last_updated = '2030-02-01' WHERE payment_id = 5`,
      )
      for (const point of ['before-manifest', 'before-advance'] as const) {
        await assert.rejects(
          runLogical(source, store, {
            faults: (p) => {
              if (p === point) throw new Error(`crash ${p}`)
            },
          }),
          /crash/,
        )
      }
      // The second crash left a committed batch with the slot behind it: the next run skips what the lake has.
      const ids = await runListIngestionBatches(store)
      assert.equal(ids.length, 2)
      const slotBefore = await runReadSlot(source.db, source.slot)
      const lsn = (await readBatch(store, '0000000002')).manifest.logical?.lsn
      assert.notEqual(slotBefore?.confirmed, lsn)
      assert.equal((await runLogical(source, store)).outcome, 'no-changes')
      // At least the batch's position: an idle pull advances the slot to the server's flush position, which
      // writes to any other database on the server (other test files) move on.
      const slotAfter = (await runReadSlot(source.db, source.slot))?.confirmed
      assert.ok(
        typeof slotAfter === 'string' &&
          typeof lsn === 'string' &&
          toLsnNumber(slotAfter) >= toLsnNumber(lsn),
        `slot at ${slotAfter}, batch at ${lsn}`,
      )
      await source.db.exec(
        `UPDATE payment SET paid = NOT paid, last_updated = '2030-02-02' WHERE payment_id = 5`,
      )
      assert.equal((await runLogical(source, store)).batchId, '0000000003')
      noDuplicates(await versionsInLake(store, await runListIngestionBatches(store)))
      assert.deepEqual(await latestInLake(store, 'payment'), await versionsInSource(source, ['payment']))
    } finally {
      await remove()
      await runDropSlot(source.db, source.slot)
    }
  })

  it('a dropped slot, a switch to cursor mode and back, and a second consumer repeat and lose nothing', async (t) => {
    if (!source) return t.skip(why)
    const { store, remove } = await createTempStore()
    const log = memoryLog()
    try {
      // Cursor mode first, then logical from its cursors: the snapshot reads only what changed since.
      await runExtract({ source: source.db, ingestion: store, log }, { lagMs: 120_000 })
      await source.db.exec(
        `UPDATE staff SET email_address = 'a@b.c', last_updated = '2030-03-01' WHERE staff_id = 1`,
      )
      assert.equal((await runLogical(source, store, { log })).outcome, 'committed')
      // The slot is dropped (by an operator, or invalidated): the next run resyncs from a fresh snapshot.
      await runDropSlot(source.db, source.slot)
      await source.db.exec(
        `UPDATE staff SET email_address = 'd@e.f', last_updated = '2030-03-02' WHERE staff_id = 2`,
      )
      assert.equal((await runLogical(source, store, { log })).outcome, 'committed')
      assert.ok(log.entries.some((e) => e.level === 'alert' && /resynchronises/.test(e.message)))
      await source.db.exec(
        `UPDATE staff SET email_address = 'g@h.i', last_updated = '2030-03-03' WHERE staff_id = 3`,
      )
      // Two consumers at once: at most one reads and commits; the other gets a clear error or nothing.
      const both = await Promise.allSettled([runLogical(source, store), runLogical(source, store)])
      for (const r of both)
        if (r.status === 'rejected') assert.ok(r.reason instanceof ConflictError, String(r.reason))
      // Back to cursor mode: it resumes after what the log wrote.
      await source.db.exec(
        `UPDATE staff SET email_address = 'j@k.l', last_updated = '2030-03-04' WHERE staff_id = 4`,
      )
      const back = await runExtract({ source: source.db, ingestion: store, log }, { lagMs: 120_000 })
      assert.deepEqual(back.rows.staff, 1)
      noDuplicates(await versionsInLake(store, await runListIngestionBatches(store)))
      assert.deepEqual(await latestInLake(store, 'staff'), await versionsInSource(source, ['staff']))
    } finally {
      await remove()
      await runDropSlot(source.db, source.slot)
    }
  })
})

/** `16/B374D848` as a number, for ordering positions in the WAL. */
function toLsnNumber(lsn: string): bigint {
  const [hi = '0', lo = '0'] = lsn.split('/')
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`)
}
