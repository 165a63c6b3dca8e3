/**
 * The status store on both kinds of store (a folder, and S3 through the real SDK against an
 * S3-compatible server): concurrent writers, bounded listing by time, retention; and the command
 * wrapper every CLI command runs in, which must never fail a command because the store cannot be written.
 */
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { FolderStore } from '../../src/io/folder-store.ts'
import type { ObjectStore } from '../../src/io/object-store.ts'
import { S3Store } from '../../src/io/s3-store.ts'
import { memoryLog } from '../../src/log.ts'
import { type CommandLike, runRecorded } from '../../src/service/record-run.ts'
import { statusLog, statusWriter } from '../../src/service/status-log.ts'
import {
  runListStatusKeys,
  runPruneStatus,
  runReadStatusEvents,
  runWriteStatusEvent,
  STATUS_PREFIX,
  STATUS_RETENTION_DAYS,
} from '../../src/service/status-store.ts'
import { startTestS3, type TestS3 } from '../support/s3-server.ts'
import { createTempStore } from '../support/source-fixture.ts'

const DAY = 86_400_000
const NOW = Date.parse('2026-11-30T12:00:00Z')
const command = (...names: string[]): CommandLike =>
  names.reduce<CommandLike>((parent, name) => ({ name: () => name, parent }), {
    name: () => 'totesys-etl',
    parent: null,
  })

let s3: TestS3
const removers: (() => Promise<void>)[] = []
/** A temporary folder store, removed after the file's tests. */
async function tempStore() {
  const made = await createTempStore()
  removers.push(made.remove)
  return made
}
before(async () => {
  s3 = await startTestS3()
  await s3.createBucket('lake')
})
after(async () => {
  await s3.close()
  for (const remove of removers) await remove()
})

const makers: Record<string, () => Promise<ObjectStore>> = {
  folder: async () => (await tempStore()).store,
  s3: async () =>
    new S3Store({ bucket: 'lake', prefix: `p${Math.random().toString(36).slice(2)}`, endpoint: s3.endpoint }),
}

for (const [name, make] of Object.entries(makers)) {
  describe(`the status store on a ${name}`, () => {
    it('keeps every event of concurrent writers, and lists only the time asked for', async () => {
      const store = await make()
      // Twenty writers at the same millisecond: one object each, none lost.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          runWriteStatusEvent(store, { at: NOW, kind: 'alert', command: `w${i}`, message: 'same time' }),
        ),
      )
      await runWriteStatusEvent(store, { at: NOW - 2 * DAY, kind: 'run', command: 'run', message: 'old' })
      await runWriteStatusEvent(store, {
        at: NOW - 3_600_000,
        kind: 'batch',
        command: 'run',
        message: 'batch loaded',
        stage: 'load',
        batchId: '0000000007',
        ms: 12,
      })
      const today = await runListStatusKeys(store, 'events', NOW - 3_600_000, NOW)
      assert.equal(today.length, 20)
      const events = await runReadStatusEvents(
        store,
        today.map((k) => k.key),
      )
      assert.deepEqual(new Set(events.map((e) => e.command)).size, 20)
      assert.equal((await runListStatusKeys(store, 'events', NOW - 3 * DAY, NOW)).length, 21)
      const batches = await runListStatusKeys(store, 'batches', NOW - 2 * 3_600_000, NOW)
      assert.deepEqual(
        batches.map((k) => [k.stage, k.batchId]),
        [['load', '0000000007']],
      )
    })

    it('deletes the days past the retention and keeps the rest', async () => {
      const store = await make()
      const at = (days: number) => NOW - days * DAY
      for (const days of [0, STATUS_RETENTION_DAYS, STATUS_RETENTION_DAYS + 1, STATUS_RETENTION_DAYS + 3]) {
        await runWriteStatusEvent(store, { at: at(days), kind: 'alert', command: 'run', message: `${days}` })
        await runWriteStatusEvent(store, {
          at: at(days),
          kind: 'batch',
          command: 'run',
          message: 'batch loaded',
          stage: 'load',
          batchId: '0000000001',
          ms: 1,
        })
      }
      assert.equal(await runPruneStatus(store, NOW), 4)
      const left = await store.list(STATUS_PREFIX)
      assert.equal(left.length, 4)
      assert.ok(
        left.every((k) => !k.includes(new Date(at(STATUS_RETENTION_DAYS + 1)).toISOString().slice(0, 10))),
      )
    })

    it('skips an event it cannot parse rather than hide the others', async () => {
      const store = await make()
      await runWriteStatusEvent(store, { at: NOW, kind: 'alert', command: 'run', message: 'good' })
      await store.put('_status/events/2026-11-30/120000000-alert-deadbeef.json', '{ not json')
      const keys = await runListStatusKeys(store, 'events', NOW - DAY, NOW)
      const events = await runReadStatusEvents(
        store,
        keys.map((k) => k.key),
      )
      assert.deepEqual(
        events.map((e) => e.message),
        ['good'],
      )
    })
  })
}

describe('runRecorded', () => {
  it('records how a command ended: ok, its exit code, or its error', async () => {
    const { store, remove } = await createTempStore()
    try {
      const deps = { processed: store, log: memoryLog() }
      await runRecorded(deps, command('fx', 'fetch'), async ({ log }) => log.alert('fx provider failed', {}))
      await runRecorded(deps, command('verify'), async () => {}, { exitCode: () => 1 })
      await assert.rejects(
        runRecorded(deps, command('load'), async () => {
          throw new Error('the warehouse lacks etl.load_ledger', { cause: new Error('42P01') })
        }),
        /lacks etl\.load_ledger/,
      )
      const keys = await runListStatusKeys(store, 'events', 0, Date.now())
      const events = await runReadStatusEvents(
        store,
        keys.map((k) => k.key),
      )
      assert.deepEqual(
        events.map((e) => [e.kind, e.command, e.outcome, e.exitCode, e.error]),
        [
          ['alert', 'fx fetch', undefined, undefined, undefined],
          ['run', 'fx fetch', 'ok', 0, undefined],
          ['run', 'verify', 'failed', 1, undefined],
          ['run', 'load', 'failed', undefined, 'Error: the warehouse lacks etl.load_ledger ← Error: 42P01'],
        ],
      )
    } finally {
      await remove()
    }
  })

  it('writes nothing for a command that only reads', async () => {
    const { store, remove } = await createTempStore()
    try {
      await runRecorded({ processed: store, log: memoryLog() }, command('status'), async ({ log }) =>
        log.warn('status could not read the warehouse'),
      )
      assert.deepEqual(await store.list(''), [])
    } finally {
      await remove()
    }
  })

  it('never fails a command because the status store cannot be written, and says so once', async () => {
    const file = join(tmpdir(), `status-store-file-${process.pid}`)
    await writeFile(file, 'a file where a folder should be')
    try {
      const log = memoryLog()
      const result = await runRecorded(
        { processed: new FolderStore(join(file, 'processed')), log },
        command('run'),
        async (deps) => {
          deps.log.alert('extract could not read a table', { table: 'currency' })
          deps.log.alert('extract could not read a table', { table: 'payment' })
          return 'done'
        },
      )
      assert.equal(result, 'done')
      assert.deepEqual(
        log.entries.map((e) => `${e.level}: ${e.message}`),
        [
          'alert: extract could not read a table',
          'alert: extract could not read a table',
          'warn: status store could not be written; alerts still go to this log',
        ],
      )
    } finally {
      await rm(file)
    }
  })

  it('flushes within its timeout even when a write hangs', async () => {
    const hanging = Object.assign(Object.create((await tempStore()).store) as ObjectStore, {
      description: 'hanging',
      put: () => new Promise<void>(() => {}),
    })
    const writer = statusWriter(hanging, memoryLog())
    statusLog(memoryLog(), writer, 'run').alert('x')
    await writer.flush(50)
  })
})
